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
})();
