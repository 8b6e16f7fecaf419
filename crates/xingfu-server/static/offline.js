// Xingfu without signal, on the page's side: registers the service worker (sw.js), marks the
// forms that may be queued, asks the worker to keep the person's pages, sends the outbox when
// the signal returns, and shows what is still waiting to be sent.
(function () {
  'use strict';
  if (!('serviceWorker' in navigator) || !window.indexedDB || !self.XingfuOutbox) return;
  const en = (document.documentElement.lang || '').startsWith('en');
  const T = en ? {
    waiting: (n) => n + (n === 1 ? ' item is' : ' items are') + ' waiting on this phone to be sent.',
    offline: 'No signal now: forms you send are kept on this phone and sent when the signal returns.',
    look: 'See what is waiting',
    empty: 'Nothing is waiting to be sent.',
    saved: 'Saved on this phone. It will be sent by itself when there is signal; you need not fill it in again.',
    missing: 'This page was not kept on the phone, so it cannot be shown without signal.',
    sendNow: 'Send now',
    remove: 'Delete',
    confirmRemove: 'Delete this item from the phone? It has not been sent.',
    keptAt: 'Kept at ',
    photos: (n) => n + ' photo' + (n === 1 ? '' : 's'),
    signIn: (who) => 'Sign in as ' + who + ' to send it (it was filled in under that account).',
    expired: 'Sign in again, then it is sent.',
    busy: 'The server is saving it; it is looked at again shortly.',
    refused: 'Not accepted: ',
    later: 'Not sent yet (no signal or the server is busy); it is tried again by itself.',
    sent: 'Sent recently',
    open: 'Open',
  } : {
    waiting: (n) => '这部手机上有 ' + n + ' 条内容等待发送。',
    offline: '现在没有网络：提交的表单会先保存在这部手机上，有网络后自动发送。',
    look: '查看等待发送的内容',
    empty: '没有等待发送的内容。',
    saved: '已保存在这部手机上。有网络时会自动发送，不用重新填写。',
    missing: '这个页面没有保存在手机上，没有网络时无法打开。',
    sendNow: '现在发送',
    remove: '删除',
    confirmRemove: '从手机上删除这一条吗？它还没有发送。',
    keptAt: '保存于 ',
    photos: (n) => n + ' 张照片',
    signIn: (who) => '请以 ' + who + ' 的账号登录后发送（这一条是用该账号填写的）。',
    expired: '登录已过期：请重新登录，登录后自动发送。',
    busy: '服务器正在保存这一条，稍后会再确认。',
    refused: '没有被接受：',
    later: '还没有发出（没有网络或服务器繁忙），稍后会自动再试。',
    sent: '最近发出的',
    open: '打开',
  };
  const body = document.body;
  const user = body.dataset.user || '';
  const userName = body.dataset.userName || '';

  navigator.serviceWorker.register('/sw.js').catch(() => {});

  const { all, change, encode } = self.XingfuOutbox;

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  }
  function hidden(form, name, value) {
    let input = form.querySelector('input[type=hidden][name="' + name + '"]');
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }
  // A marked form carries its key and labels only when the worker will read them (it takes
  // them off before the server sees the form).
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.offline) return;
    if (!navigator.serviceWorker.controller) return;
    hidden(form, 'submission_key', newKey());
    hidden(form, 'offline_label', form.dataset.offline);
    hidden(form, 'offline_user', user);
    hidden(form, 'offline_user_name', userName);
    hidden(form, 'offline_form', location.pathname + location.search);
  }, true);

  // The person's pages are kept for use without signal, at most every ten minutes.
  function keepPages() {
    const urls = (body.dataset.offlinePages || '').split(' ').filter(Boolean);
    if (!user || !urls.length || !navigator.onLine) return;
    const mark = 'xingfu-kept-' + user;
    const last = Number(localStorage.getItem(mark) || 0);
    if (Date.now() - last < 600000) return;
    navigator.serviceWorker.ready.then((reg) => {
      if (reg.active) reg.active.postMessage({ type: 'keep', urls });
      localStorage.setItem(mark, String(Date.now()));
    });
  }
  // Signing out: the worker forgets the kept pages (sw.js), and so does this mark.
  document.addEventListener('submit', (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.getAttribute('action') === '/logout') {
      localStorage.removeItem('xingfu-kept-' + user);
    }
  }, true);

  function currentCsrf() {
    const input = document.querySelector('form[action="/logout"] input[name=csrf]');
    return input ? input.value : '';
  }
  function problemText(html) {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const summary = doc.querySelector('.error-summary, [role=alert], .error, main p');
    return (summary ? summary.textContent : '').replace(/\s+/g, ' ').trim().slice(0, 300);
  }

  // Sends one item: true when the server has it (now or before).
  async function send(item) {
    let response;
    try {
      response = await fetch(item.url, {
        method: 'POST',
        body: encode(item, currentCsrf()),
        headers: { 'Idempotency-Key': item.key },
        credentials: 'same-origin',
        redirect: 'follow',
      });
    } catch (_) {
      return { state: 'later' };
    }
    const landed = new URL(response.url);
    if (landed.pathname === '/login') return { state: 'expired' };
    if (response.ok && response.redirected) return { state: 'sent', link: landed.pathname + landed.search };
    if (response.status === 409) return { state: 'busy' };
    if (response.status >= 500) return { state: 'later' };
    return { state: 'refused', problem: problemText(await response.text()) };
  }

  let flushing = false;
  async function flush() {
    if (flushing || !user || !navigator.onLine) return;
    flushing = true;
    try {
      const run = async () => {
        for (const item of await all('items')) {
          if (item.user !== user || item.state === 'refused') continue;
          const outcome = await send(item);
          if (outcome.state === 'sent') {
            await change('items', (s) => s.delete(item.key));
            await change('sent', (s) => s.put({
              key: item.key, label: item.label, link: outcome.link, sentAt: Date.now(),
            }));
          } else {
            item.state = outcome.state;
            item.problem = outcome.problem || '';
            await change('items', (s) => s.put(item));
            if (outcome.state === 'later' || outcome.state === 'expired') break;
          }
        }
        // Keep the ten latest sent.
        const sent = await all('sent');
        if (sent.length > 10) {
          await change('sent', (s) => sent.slice(0, sent.length - 10).forEach((x) => s.delete(x.key)));
        }
      };
      // One tab sends at a time; the server would save a repeat once anyway.
      if (navigator.locks) await navigator.locks.request('xingfu-outbox', run);
      else await run();
    } finally {
      flushing = false;
      await show();
    }
  }

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text != null) node.textContent = text;
    return node;
  }
  function when(ms) {
    return new Date(ms).toLocaleString(en ? 'en-GB' : 'zh-CN', { hour12: false });
  }
  function stateText(item) {
    if (item.user !== user) return T.signIn(item.userName || item.user);
    if (item.state === 'expired') return T.expired;
    if (item.state === 'busy') return T.busy;
    if (item.state === 'refused') return T.refused + (item.problem || '');
    if (item.state === 'later') return T.later;
    return '';
  }

  async function show() {
    const items = await all('items').catch(() => []);
    const onOutbox = !!document.getElementById('outbox');
    const lines = [];
    if (!navigator.onLine) lines.push(el('p', {}, T.offline));
    if (items.length && !onOutbox) {
      const p = el('p', {}, T.waiting(items.length) + ' ');
      p.appendChild(el('a', { href: '/offline' }, T.look));
      lines.push(p);
    }
    let banner = document.getElementById('outbox-banner');
    if (!lines.length) {
      if (banner) banner.remove();
    } else {
      if (!banner) {
        banner = el('div', { id: 'outbox-banner', class: 'outbox-banner', role: 'status' });
        const main = document.getElementById('main');
        if (main) main.prepend(banner);
      }
      banner.replaceChildren(...lines);
    }
    if (onOutbox) drawOutbox(items, await all('sent').catch(() => []));
  }

  function drawOutbox(items, sent) {
    const box = document.getElementById('outbox');
    box.textContent = '';
    const params = new URLSearchParams(location.search);
    if (params.get('saved')) box.appendChild(el('p', { class: 'notice saved', role: 'status' }, T.saved));
    if (params.get('missing')) box.appendChild(el('p', { class: 'notice' }, T.missing));
    if (!items.length) box.appendChild(el('p', { class: 'outbox-empty' }, T.empty));
    const list = el('ul', { class: 'outbox-list' });
    for (const item of items) {
      const li = el('li', { class: 'outbox-item', 'data-key': item.key });
      li.appendChild(el('strong', {}, item.label));
      const photos = item.entries.filter(([, v]) => typeof v !== 'string' && v && v.size > 0).length;
      li.appendChild(el('p', {}, T.keptAt + when(item.savedAt) + (photos ? ' · ' + T.photos(photos) : '')));
      const state = stateText(item);
      if (state) li.appendChild(el('p', { class: item.state === 'refused' ? 'error' : 'hint' }, state));
      const actions = el('p', { class: 'actions' });
      const again = el('button', { type: 'button' }, T.sendNow);
      again.addEventListener('click', async () => {
        if (item.state === 'refused') {
          item.state = '';
          await change('items', (s) => s.put(item));
        }
        flush();
      });
      const remove = el('button', { type: 'button', class: 'secondary' }, T.remove);
      remove.addEventListener('click', async () => {
        if (!confirm(T.confirmRemove)) return;
        await change('items', (s) => s.delete(item.key));
        show();
      });
      actions.append(again, remove);
      li.appendChild(actions);
      list.appendChild(li);
    }
    if (items.length) box.appendChild(list);
    if (sent.length) {
      box.appendChild(el('h2', {}, T.sent));
      const done = el('ul', { class: 'outbox-sent' });
      for (const s of sent.slice().reverse()) {
        const li = el('li', {}, s.label + ' · ' + when(s.sentAt) + ' ');
        if (s.link) li.appendChild(el('a', { href: s.link }, T.open));
        done.appendChild(li);
      }
      box.appendChild(done);
    }
  }

  window.addEventListener('online', () => { show(); flush(); });
  window.addEventListener('offline', show);
  show().then(() => { flush(); keepPages(); });
})();
