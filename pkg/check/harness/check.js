// veza check's in-browser half. Go calls these functions through the
// DevTools protocol and waits on the promises they return.
(function () {
  'use strict';

  // vezaSupported answers MediaSource.isTypeSupported for each MIME type.
  window.vezaSupported = function (types) {
    return types.map(function (t) {
      return !!(window.MediaSource && MediaSource.isTypeSupported(t));
    });
  };

  // vezaPlay plays the variant whose playlist URL is variantURL (the whole
  // master is loaded, as a player would) with hls.js locked to it, until
  // `seconds` of media have played, the media ends, a fatal error happens
  // or timeoutMs passes. It resolves to a report; it never rejects.
  window.vezaPlay = function (masterURL, variantURL, seconds, timeoutMs) {
    return new Promise(function (resolve) {
      var out = { played: 0, level: -1, levels: 0, error: '', fragLevels: [], ended: false, duration: 0 };
      if (!window.Hls) { out.error = 'hls.js did not load'; resolve(out); return; }
      if (!Hls.isSupported()) { out.error = 'hls.js: Media Source Extensions unavailable'; resolve(out); return; }
      var stage = document.getElementById('stage');
      var video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      stage.appendChild(video);
      var hls = new Hls({ capLevelToPlayerSize: false, capLevelOnFPSDrop: false, enableWorker: true });
      var finished = false, seen = {};

      function played() {
        var total = 0, r = video.played;
        for (var i = 0; i < r.length; i++) total += r.end(i) - r.start(i);
        return total;
      }
      function finish(err) {
        if (finished) return;
        finished = true;
        clearInterval(poll);
        clearTimeout(timer);
        out.played = played();
        out.duration = isFinite(video.duration) ? video.duration : 0;
        out.fragLevels = Object.keys(seen).map(Number);
        if (err && !out.error) out.error = err;
        try { hls.destroy(); } catch (e) { /* already torn down */ }
        video.remove();
        resolve(out);
      }

      hls.on(Hls.Events.MANIFEST_PARSED, function (_, data) {
        out.levels = data.levels.length;
        var idx = -1;
        for (var i = 0; i < data.levels.length; i++) {
          if (data.levels[i].uri === variantURL) idx = i;
        }
        if (idx < 0) {
          finish('hls.js dropped this variant (' + data.levels.length + ' of the master\'s variants kept): its CODECS are not playable here');
          return;
        }
        out.level = idx;
        hls.currentLevel = idx; // locks the level: no ABR switching
        var p = video.play();
        if (p && p.catch) p.catch(function (e) { finish('play() refused: ' + e.message); });
      });
      hls.on(Hls.Events.FRAG_LOADED, function (_, data) {
        if (data.frag && data.frag.type === 'main') seen[data.frag.level] = true;
      });
      hls.on(Hls.Events.ERROR, function (_, data) {
        if (!data.fatal) return;
        var msg = 'fatal ' + data.type + ' error: ' + data.details;
        if (data.reason) msg += ' (' + data.reason + ')';
        else if (data.error && data.error.message) msg += ' (' + data.error.message + ')';
        if (data.url) msg += ' at ' + data.url;
        finish(msg);
      });
      video.addEventListener('ended', function () { out.ended = true; finish(''); });
      video.addEventListener('error', function () {
        var e = video.error;
        finish('media element error ' + (e ? e.code + ': ' + e.message : ''));
      });
      var poll = setInterval(function () {
        if (played() >= seconds) finish('');
      }, 100);
      var timer = setTimeout(function () {
        finish('timed out after ' + Math.round(timeoutMs / 1000) + ' s with ' + played().toFixed(2) + ' s played');
      }, timeoutMs);

      hls.loadSource(masterURL);
      hls.attachMedia(video);
    });
  };
  // vezaIFrames loads the master at masterURL, finds the I-frame playlist
  // iframeURL among hls.iframeVariants and, with hls.js's I-frame player
  // locked to it, seeks to each of times (seconds) in turn, reporting the
  // I-frame fragment buffered for each (start, sequence number, level). It resolves to a
  // report; it never rejects.
  window.vezaIFrames = function (masterURL, iframeURL, times, timeoutMs) {
    return new Promise(function (resolve) {
      var out = { variants: 0, found: false, landed: [], error: '' };
      if (!window.Hls || !Hls.isSupported()) { out.error = 'hls.js with Media Source Extensions is unavailable'; resolve(out); return; }
      var stage = document.getElementById('stage');
      var video = document.createElement('video'), main = document.createElement('video');
      video.muted = main.muted = true;
      stage.appendChild(video);
      stage.appendChild(main);
      var hls = new Hls({ enableWorker: true }), ip = null, finished = false, i = 0, wait = null;
      function finish(err) {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        clearTimeout(wait);
        if (err && !out.error) out.error = err;
        try { if (ip) ip.destroy(); hls.destroy(); } catch (e) { /* already torn down */ }
        video.remove();
        main.remove();
        resolve(out);
      }
      function next() {
        if (i >= times.length) { finish(''); return; }
        clearTimeout(wait);
        // A seek asked for before the I-frame player has its playlist can
        // be dropped: it is asked once more before counting as lost.
        var tries = 0;
        (function seek() {
          if (++tries > 2) { out.landed.push({ start: -1, sn: -1, level: -1 }); i++; next(); return; }
          wait = setTimeout(seek, 4000);
          ip.loadMediaAt(times[i]);
        })();
      }
      // The I-frame player is made once the main player has buffered its
      // first fragment, as a page makes it when the user starts to scrub.
      hls.once(Hls.Events.FRAG_BUFFERED, function () {
        var vs = hls.iframeVariants || [];
        out.variants = vs.length;
        var idx = -1;
        for (var k = 0; k < vs.length; k++) if ((vs[k].url || vs[k].uri) === iframeURL) idx = k;
        out.found = idx >= 0;
        if (idx < 0) { finish(''); return; }
        ip = hls.createIFramePlayer ? hls.createIFramePlayer() : null;
        if (!ip) { finish('hls.js made no I-frame player'); return; }
        ip.on(Hls.Events.ERROR, function (_, data) { if (data.fatal) finish('I-frame player: fatal ' + data.type + ' error: ' + data.details); });
        ip.on(Hls.Events.FRAG_BUFFERED, function (_, data) {
          if (finished || !data.frag || i >= times.length) return;
          out.landed.push({ start: data.frag.start, sn: data.frag.sn, level: data.frag.level });
          i++;
          next();
        });
        ip.currentLevel = idx;
        ip.attachMedia(video);
        next();
      });
      hls.on(Hls.Events.ERROR, function (_, data) { if (data.fatal) finish('fatal ' + data.type + ' error: ' + data.details); });
      var timer = setTimeout(function () { finish('timed out after ' + Math.round(timeoutMs / 1000) + ' s'); }, timeoutMs);
      // The I-frame player follows a player's main one: it needs the
      // main one's media attached.
      hls.loadSource(masterURL);
      hls.attachMedia(main);
    });
  };

  // vezaPlayDASH plays Representation repID of the MPD at mpdURL with Shaka
  // Player, ABR off and restricted from the start to the Representation's
  // bandwidth (and size, for video), until `seconds` of media have played,
  // the media ends, an error happens or timeoutMs passes. It reports the
  // segment URLs Shaka fetched so Go can check they are all this
  // Representation's. It resolves to a report; it never rejects.
  window.vezaPlayDASH = function (mpdURL, repID, bandwidth, width, height, seconds, timeoutMs) {
    return new Promise(function (resolve) {
      var out = { played: 0, error: '', ended: false, duration: 0, loaded: [], found: false };
      if (!window.shaka) { out.error = 'Shaka Player did not load'; resolve(out); return; }
      shaka.polyfill.installAll();
      if (!shaka.Player.isBrowserSupported()) { out.error = 'Shaka Player: this browser lacks Media Source Extensions'; resolve(out); return; }
      var stage = document.getElementById('stage');
      var video = document.createElement('video');
      video.muted = true;
      video.playsInline = true;
      stage.appendChild(video);
      var player = new shaka.Player();
      var finished = false;

      function played() {
        var total = 0, r = video.played;
        for (var i = 0; i < r.length; i++) total += r.end(i) - r.start(i);
        return total;
      }
      function describe(e) {
        if (!e) return 'unknown error';
        var msg = 'Shaka error ' + e.code + ' (category ' + e.category + ')';
        if (e.data && e.data.length) {
          try { msg += ': ' + JSON.stringify(e.data).slice(0, 300); } catch (x) { /* cyclic data */ }
        }
        return msg;
      }
      function finish(err) {
        if (finished) return;
        finished = true;
        clearInterval(poll);
        clearTimeout(timer);
        out.played = played();
        out.duration = isFinite(video.duration) ? video.duration : 0;
        if (err && !out.error) out.error = err;
        player.destroy().catch(function () { /* already torn down */ }).then(function () {
          video.remove();
          resolve(out);
        });
      }

      var restrictions = { minBandwidth: bandwidth, maxBandwidth: bandwidth };
      if (width > 0) {
        restrictions.minWidth = width; restrictions.maxWidth = width;
        restrictions.minHeight = height; restrictions.maxHeight = height;
      }
      player.configure({ abr: { enabled: false }, restrictions: restrictions });
      player.addEventListener('error', function (ev) { finish(describe(ev.detail)); });
      video.addEventListener('ended', function () { out.ended = true; finish(''); });
      video.addEventListener('error', function () {
        var e = video.error;
        finish('media element error ' + (e ? e.code + ': ' + e.message : ''));
      });
      var poll = setInterval(function () {
        if (played() >= seconds) finish('');
      }, 100);
      var timer = setTimeout(function () {
        finish('timed out after ' + Math.round(timeoutMs / 1000) + ' s with ' + played().toFixed(2) + ' s played');
      }, timeoutMs);

      player.attach(video).then(function () {
        player.getNetworkingEngine().registerResponseFilter(function (type, response) {
          if (type === shaka.net.NetworkingEngine.RequestType.SEGMENT) out.loaded.push(response.uri);
        });
        return player.load(mpdURL);
      }).then(function () {
        var tracks = player.getVariantTracks();
        for (var i = 0; i < tracks.length; i++) {
          var t = tracks[i];
          if (t.originalVideoId === repID || t.originalAudioId === repID) {
            out.found = true;
            if (!t.active) player.selectVariantTrack(t, true);
          }
        }
        if (!out.found) { finish(''); return; }
        var p = video.play();
        if (p && p.catch) p.catch(function (e) { finish('play() refused: ' + e.message); });
      }).catch(function (e) { finish('load: ' + describe(e)); });
    });
  };
})();
