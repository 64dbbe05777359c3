// The conversation's behaviour in the page (js_on_load of the conversation component:
// `element` is its root, `trigger` sends an event to Python, `watch` runs after a redraw).
//
// - a new answer (or a restored conversation) scrolls its question to the top of the chat;
// - [n] shows that answer's sources and jumps to the card quoting it, highlighted;
// - clicking an answer shows its sources; Copy puts the answer's clean text on the clipboard;
// - Useful / Not useful, "Ask again with any year" and "Open the whole document" go to Python.

// Bring el's top to the top of the box it scrolls in (the chat, the sources panel); with no
// such box (a phone, where the page itself scrolls), to the top of the window.
function scrollToTop(el) {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const overflow = getComputedStyle(p).overflowY;
    if (overflow === 'auto' || overflow === 'scroll') {
      p.scrollTop += el.getBoundingClientRect().top - p.getBoundingClientRect().top - 6;
      const box = p.getBoundingClientRect();
      if (box.top < 0 || box.top > innerHeight - 80) window.scrollBy(0, box.top - 6);  // the box itself in view
      return;
    }
  }
  window.scrollBy(0, el.getBoundingClientRect().top - 6);
}

function panelShown() {
  const panel = document.getElementById('rag-sources-panel');
  return !!panel && panel.offsetParent !== null;
}

function showSources(turn) {
  let section = null;
  document.querySelectorAll('#rag-sources .rag-sources-for').forEach((s) => {
    const on = Number(s.dataset.turn) === turn;
    s.hidden = !on;
    if (on) section = s;
  });
  element.querySelectorAll('.rag-turn').forEach((t) => t.classList.toggle('rag-reading', Number(t.dataset.turn) === turn));
  return section;
}

function jump(turnEl, n) {
  const turn = Number(turnEl.dataset.turn);
  let card = null;
  if (panelShown()) {
    const section = showSources(turn);
    card = section && section.querySelector(`.rag-source[data-nums~="${n}"]`);
  } else {
    const inline = turnEl.querySelector('details.rag-inline-sources');
    if (inline) inline.open = true;
    card = turnEl.querySelector(`.rag-source[data-nums~="${n}"]`);
  }
  if (!card) return;
  document.querySelectorAll('.rag-source.rag-target').forEach((c) => c.classList.remove('rag-target'));
  document.querySelectorAll('.rag-current').forEach((m) => m.classList.remove('rag-current'));
  card.classList.add('rag-target');
  card.querySelectorAll(`mark[data-n="${n}"], li[data-n="${n}"]`).forEach((m) => m.classList.add('rag-current'));
  scrollToTop(card);
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (err) {  // no clipboard API (plain http on another host): the old way
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

element.addEventListener('click', (e) => {
  const t = e.target;
  const turnEl = t.closest('.rag-turn');
  if (!turnEl) return;
  const turn = Number(turnEl.dataset.turn);
  const cite = t.closest('a.rag-cite');
  if (cite) {
    e.preventDefault();
    jump(turnEl, Number(cite.dataset.n));
    return;
  }
  const copy = t.closest('button.rag-copy');
  if (copy) {
    const text = turnEl.querySelector('textarea.rag-copy-text');
    copyText(text ? text.value : '').then((ok) => {
      copy.textContent = ok ? 'Copied' : 'Copy failed';
      setTimeout(() => { copy.textContent = 'Copy'; }, 2000);
    });
    return;
  }
  const rate = t.closest('button.rag-rate');
  if (rate) {
    const comment = turnEl.querySelector('.rag-comment-input');
    turnEl.querySelectorAll('button.rag-rate').forEach((b) => { b.disabled = true; });
    trigger('click', {action: 'rate', turn, rating: rate.dataset.rating, comment: comment ? comment.value : ''});
    return;
  }
  if (t.closest('button.rag-widen')) {
    trigger('click', {action: 'widen', turn});
    return;
  }
  const open = t.closest('a.rag-open');
  if (open) {
    e.preventDefault();
    trigger('click', {action: 'open', turn, n: Number(open.dataset.n)});
    return;
  }
  if (!t.closest('a, button, input, textarea, summary')) showSources(turn);
});

element.addEventListener('keydown', (e) => {  // Enter in a comment box rates nothing by surprise
  if (e.key === 'Enter' && e.target.classList.contains('rag-comment-input')) e.preventDefault();
});

let shown = '';
watch('value', () => {
  const turns = element.querySelectorAll('.rag-turn');
  const last = turns[turns.length - 1];
  const root = element.querySelector('.rag-turns');
  const key = last ? `${root ? root.dataset.conv : ''}:${turns.length}:${last.dataset.state}` : '';
  if (key === shown) return;  // a redraw of the same answers (a rating): stay where the reader is
  shown = key;
  if (last) {
    scrollToTop(last);
    showSources(Number(last.dataset.turn));
  }
});
