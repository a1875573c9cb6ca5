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
