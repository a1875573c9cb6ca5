// veza serve's watch page: plays the track's playlist with hls.js and shows
// what the player is doing, refreshed twice a second.
(function () {
  'use strict';
  var box = document.getElementById('player');
  if (!box) return;
  var src = box.getAttribute('data-src');
  var video = document.getElementById('video');
  var picker = document.getElementById('level');
  var state = document.getElementById('state');
  var errorOut = document.getElementById('error');
  function show(id, text) { document.getElementById(id).textContent = text; }

  function rate(bps) {
    if (!bps || !isFinite(bps)) return '–';
    if (bps >= 1e6) return (bps / 1e6).toFixed(2) + ' Mbit/s';
    return Math.round(bps / 1e3) + ' kbit/s';
  }
  function clock(s) {
    if (!isFinite(s)) return '–';
    var m = Math.floor(s / 60), r = s - m * 60;
    return m + ':' + (r < 10 ? '0' : '') + r.toFixed(1);
  }
  function bufferAhead() {
    var t = video.currentTime, b = video.buffered;
    for (var i = 0; i < b.length; i++) {
      if (b.start(i) <= t + 0.1 && t <= b.end(i)) return b.end(i) - t;
    }
    return 0;
  }
  function levelLabel(l, i) {
    var parts = [];
    if (l.height) parts.push(l.height + 'p');
    parts.push(rate(l.bitrate));
    if (l.name && !/^\d+$/.test(l.name)) parts.push(l.name);
    return i + ': ' + parts.join(' · ');
  }
  function frames() {
    if (video.getVideoPlaybackQuality) {
      var q = video.getVideoPlaybackQuality();
      return q.droppedVideoFrames + ' / ' + q.totalVideoFrames;
    }
    if ('webkitDroppedFrameCount' in video) return video.webkitDroppedFrameCount + ' / ' + video.webkitDecodedFrameCount;
    return '–';
  }

  // The seek bar under the video: the thumbnail under the pointer, read
  // from the track's thumbnail VTT (each cue names a sheet and a tile with
  // #xywh=, cut out with background-position); while the button is held,
  // frames from hls.js's I-frame player when the master lists I-frame
  // playlists, for fast scrubbing. A click or a release seeks.
  var seek = document.getElementById('seek');
  var cues = [];
  function vttTime(s) {
    var p = s.split(':'), t = 0;
    for (var i = 0; i < p.length; i++) t = t * 60 + parseFloat(p[i]);
    return t;
  }
  function loadThumbnails() {
    var sheets = JSON.parse(seek.getAttribute('data-sheets') || '{}');
    var base = seek.getAttribute('data-thumbnails');
    fetch(base).then(function (r) { return r.ok ? r.text() : ''; }).then(function (text) {
      text.replace(/\r/g, '').split('\n\n').forEach(function (block) {
        var m = /([\d:.]+)\s+-->\s+([\d:.]+)[^\n]*\n([^#\s]+)#xywh=(\d+),(\d+),(\d+),(\d+)/.exec(block);
        if (!m) return;
        cues.push({start: vttTime(m[1]), end: vttTime(m[2]), url: sheets[m[3]] || new URL(m[3], new URL(base, location.href)).href,
          x: +m[4], y: +m[5], w: +m[6], h: +m[7]});
      });
      seek.setAttribute('data-cues', String(cues.length));
    });
  }
  function cueAt(t) {
    for (var i = 0; i < cues.length; i++) if (t >= cues[i].start && t < cues[i].end) return cues[i];
    return cues.length && t >= cues[cues.length - 1].end ? cues[cues.length - 1] : null;
  }
  var scrubbing = false, iframePlayer = null;
  function pointerTime(ev) {
    var r = seek.getBoundingClientRect();
    var f = Math.min(Math.max((ev.clientX - r.left) / r.width, 0), 1);
    return {f: f, t: f * (video.duration || 0)};
  }
  function showThumb(ev) {
    var p = pointerTime(ev), thumb = document.getElementById('thumb'), img = document.getElementById('thumb-img');
    var scrub = document.getElementById('scrub'), c = cueAt(p.t);
    thumb.style.left = (p.f * 100) + '%';
    document.getElementById('thumb-time').textContent = clock(p.t);
    var useIFrames = scrubbing && iframePlayer;
    scrub.hidden = !useIFrames;
    img.hidden = !!useIFrames || !c;
    if (useIFrames) iframePlayer.loadMediaAt(p.t);
    if (c && !useIFrames) {
      img.style.width = c.w + 'px';
      img.style.height = c.h + 'px';
      img.style.backgroundImage = 'url("' + c.url + '")';
      img.style.backgroundPosition = (-c.x) + 'px ' + (-c.y) + 'px';
    }
    thumb.hidden = !c && !useIFrames;
  }
  if (seek) {
    loadThumbnails();
    seek.addEventListener('mousemove', showThumb);
    seek.addEventListener('mouseleave', function () { document.getElementById('thumb').hidden = true; });
    seek.addEventListener('mousedown', function (ev) {
      scrubbing = true;
      var hls = window.vezaHls;
      if (!iframePlayer && hls && hls.iframeVariants && hls.iframeVariants.length && hls.createIFramePlayer) {
        // null until the main player has buffered: tried again next time
        iframePlayer = hls.createIFramePlayer();
        if (iframePlayer) iframePlayer.attachMedia(document.getElementById('scrub'));
        window.vezaIFramePlayer = iframePlayer; // for the console and tests
      }
      showThumb(ev);
    });
    window.addEventListener('mouseup', function (ev) {
      if (!scrubbing) return;
      scrubbing = false;
      if (video.duration) video.currentTime = pointerTime(ev).t;
    });
    setInterval(function () {
      if (video.duration) document.getElementById('seek-fill').style.width = (100 * video.currentTime / video.duration) + '%';
    }, 250);
  }

  video.addEventListener('playing', function () { state.textContent = 'playing'; });
  video.addEventListener('waiting', function () { state.textContent = 'buffering…'; });
  video.addEventListener('pause', function () { state.textContent = 'paused'; });
  video.addEventListener('ended', function () { state.textContent = 'ended'; });

  if (window.Hls && window.Hls.isSupported()) {
    var hls = new window.Hls();
    window.vezaHls = hls; // for the console
    hls.on(window.Hls.Events.MANIFEST_PARSED, function (_, data) {
      data.levels.forEach(function (l, i) {
        var o = document.createElement('option');
        o.value = String(i);
        o.textContent = levelLabel(l, i);
        picker.appendChild(o);
      });
      picker.disabled = data.levels.length < 2;
      state.textContent = data.levels.length + ' rendition' + (data.levels.length === 1 ? '' : 's');
      video.play().catch(function () { state.textContent = 'press play'; });
    });
    hls.on(window.Hls.Events.LEVEL_SWITCHED, function (_, data) {
      var l = hls.levels[data.level];
      show('s-level', data.level + (hls.autoLevelEnabled ? ' (auto)' : ''));
      show('s-res', l && l.width ? l.width + '×' + l.height : 'audio');
    });
    hls.on(window.Hls.Events.ERROR, function (_, data) {
      if (!data.fatal) return;
      errorOut.textContent = 'fatal ' + data.type + ': ' + data.details;
      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
    });
    picker.addEventListener('change', function () {
      // -1 gives the choice back to hls.js's bandwidth estimate
      hls.currentLevel = parseInt(picker.value, 10);
    });
    hls.loadSource(src);
    hls.attachMedia(video);
    setInterval(function () {
      show('s-bw', rate(hls.bandwidthEstimate));
      show('s-buf', bufferAhead().toFixed(1) + ' s');
      show('s-drop', frames());
      show('s-time', clock(video.currentTime) + ' / ' + clock(video.duration));
      if (hls.currentLevel >= 0) show('s-level', hls.currentLevel + (hls.autoLevelEnabled ? ' (auto)' : ''));
    }, 500);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    // Safari plays HLS itself; it exposes no levels or estimates.
    video.src = src;
    state.textContent = 'native HLS playback';
    setInterval(function () {
      show('s-buf', bufferAhead().toFixed(1) + ' s');
      show('s-drop', frames());
      show('s-time', clock(video.currentTime) + ' / ' + clock(video.duration));
    }, 500);
  } else {
    state.textContent = '';
    errorOut.textContent = window.Hls ? 'This browser has no Media Source Extensions: it cannot play HLS.' : 'hls.js is not loaded (see above).';
  }
})();
