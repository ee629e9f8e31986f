/**
 * A handwritten signature pad (原笔迹签名) on a canvas, drawn with pointer events (finger, pen or mouse).
 * It keeps every stroke as points `[x, y, t]` (CSS pixels from the pad's top left, milliseconds since the first
 * touch) and makes the PNG image the record prints; the server stores both and puts their hashes on the trail.
 * @module signature
 */

/** The server refuses more than this many points (signaling/API.md); the pad stops taking points before it. */
const MAX_POINTS = 20000;
/** The image is kept at most this many pixels wide, whatever the screen's density. */
const MAX_IMAGE_WIDTH = 1600;

/**
 * Wires a signature pad onto a canvas. The canvas needs the `signature-pad` class (touch-action: none, so a
 * finger draws instead of scrolling the page).
 * @param {HTMLCanvasElement} canvas
 * @param {{onChange?: () => void}} [options] `onChange` is called when a stroke ends or the pad is cleared
 * @returns {{isEmpty: () => boolean, points: () => number, clear: () => void, toJSON: () => object, dispose: () => void}}
 */
export function createSignaturePad(canvas, { onChange = () => {} } = {}) {
  const ctx = canvas.getContext('2d');
  /** @type {number[][][]} */
  let strokes = [];
  let current = null;
  let start = null;
  let count = 0;
  let scale = 1;

  const size = () => {
    const rect = canvas.getBoundingClientRect();
    scale = Math.min(window.devicePixelRatio || 1, MAX_IMAGE_WIDTH / Math.max(1, rect.width));
    canvas.width = Math.round(rect.width * scale);
    canvas.height = Math.round(rect.height * scale);
    ctx.setTransform(scale, 0, 0, scale, 0, 0);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = '#10204a';
    redraw();
  };

  const redraw = () => {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    for (const stroke of strokes) {
      ctx.beginPath();
      stroke.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      if (stroke.length === 1) ctx.lineTo(stroke[0][0] + 0.1, stroke[0][1]);
      ctx.stroke();
    }
  };

  const point = (event) => {
    const rect = canvas.getBoundingClientRect();
    if (start === null) start = event.timeStamp;
    return [Math.round((event.clientX - rect.left) * 10) / 10, Math.round((event.clientY - rect.top) * 10) / 10,
      Math.round(event.timeStamp - start)];
  };

  const add = (event) => {
    if (count >= MAX_POINTS) return;
    const p = point(event);
    const last = current[current.length - 1];
    current.push(p);
    count += 1;
    ctx.beginPath();
    ctx.moveTo(last ? last[0] : p[0], last ? last[1] : p[1]);
    ctx.lineTo(p[0] + (last ? 0 : 0.1), p[1]);
    ctx.stroke();
  };

  const down = (event) => {
    if (event.button > 0) return;
    event.preventDefault();
    // A mouse or pen keeps drawing when it leaves the pad mid-stroke; touch is captured implicitly.
    if (event.pointerType !== 'touch') canvas.setPointerCapture(event.pointerId);
    current = [];
    strokes.push(current);
    add(event);
  };
  const move = (event) => {
    if (!current) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    (events.length ? events : [event]).forEach(add);
  };
  const up = (event) => {
    if (canvas.hasPointerCapture(event.pointerId)) canvas.releasePointerCapture(event.pointerId);
    if (!current) return;
    current = null;
    onChange();
  };

  canvas.addEventListener('pointerdown', down);
  canvas.addEventListener('pointermove', move);
  canvas.addEventListener('pointerup', up);
  canvas.addEventListener('pointercancel', up);
  const resize = () => size();
  window.addEventListener('resize', resize);
  size();

  return {
    isEmpty: () => count < 2,
    points: () => count,
    clear() {
      strokes = [];
      current = null;
      start = null;
      count = 0;
      redraw();
      onChange();
    },
    /** The wire form the server takes: the pad's size, the strokes and the PNG image. */
    toJSON() {
      const rect = canvas.getBoundingClientRect();
      return {
        width: Math.round(rect.width),
        height: Math.round(rect.height),
        strokes: strokes.filter((s) => s.length),
        image: canvas.toDataURL('image/png'),
      };
    },
    dispose() {
      canvas.removeEventListener('pointerdown', down);
      canvas.removeEventListener('pointermove', move);
      canvas.removeEventListener('pointerup', up);
      canvas.removeEventListener('pointercancel', up);
      window.removeEventListener('resize', resize);
    },
  };
}
