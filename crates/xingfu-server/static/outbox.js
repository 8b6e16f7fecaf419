// The outbox on the phone (IndexedDB "xingfu-outbox"): forms kept without signal ("items") and
// the ten sent last ("sent"). Shared by the service worker (sw.js, which fills it) and the page
// (offline.js, which sends and shows it).
'use strict';
self.XingfuOutbox = (function () {
  function open() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open('xingfu-outbox', 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore('items', { keyPath: 'key' });
        req.result.createObjectStore('sent', { keyPath: 'key' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  // Every row of `store`, oldest first.
  async function all(store) {
    const db = await open();
    const rows = await new Promise((resolve, reject) => {
      const req = db.transaction(store).objectStore(store).getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    db.close();
    return rows.sort((a, b) => (a.savedAt || a.sentAt) - (b.savedAt || b.sentAt));
  }
  // Runs `fn(objectStore)` in one read-write transaction.
  async function change(store, fn) {
    const db = await open();
    await new Promise((resolve, reject) => {
      const tx = db.transaction(store, 'readwrite');
      fn(tx.objectStore(store));
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }
  // A kept form as a request body, encoded as the form was (files only in a multipart one);
  // `csrf`, when given, replaces the kept token (the session may be a newer one).
  function encode(item, csrf) {
    const entries = item.entries.map(([k, v]) => [k, k === 'csrf' && csrf ? csrf : v]);
    const data = item.multipart ? new FormData() : new URLSearchParams();
    for (const [k, v] of entries) {
      if (item.multipart || typeof v === 'string') data.append(k, v);
    }
    return data;
  }
  return { all, change, encode };
})();
