// Police protection at the scene (issue 12, item 7): what the officer types is kept on this device, so a
// dropped connection loses nothing. The page works without this script; with it:
// - every change is saved in localStorage under the form's data-draft-key;
// - a fresh form (not one the server sent back with errors) is filled from the saved draft;
// - submitting while offline keeps the draft and sends it as soon as the browser is back online;
// - the record's page, reached only after a successful save, removes the draft that was sent.
// Only this device's browser holds the draft; it is removed once the record is saved.

const PENDING = 'childsafe-protection-draft-sent'

function fields (form) {
  return Array.from(form.elements).filter((el) => el.name && el.name !== 'csrfmiddlewaretoken' && el.type !== 'submit')
}

function save (form, key, status) {
  const data = {}
  for (const el of fields(form)) {
    if (el.type === 'checkbox' || el.type === 'radio') {
      data[el.name] = data[el.name] || []
      if (el.checked) data[el.name].push(el.value)
    } else {
      data[el.name] = el.value
    }
  }
  try {
    localStorage.setItem(key, JSON.stringify({ savedAt: new Date().toISOString(), data }))
    say(status, 'Saved on this device at ' + new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }) + '.')
  } catch (e) {
    // Storage full or disabled: the form still posts as normal.
  }
}

function restore (form, key, status) {
  let saved
  try {
    saved = JSON.parse(localStorage.getItem(key) || 'null')
  } catch (e) {
    return
  }
  if (!saved || !saved.data) return
  for (const el of fields(form)) {
    const value = saved.data[el.name]
    if (value === undefined) continue
    if (el.type === 'checkbox' || el.type === 'radio') {
      el.checked = Array.isArray(value) && value.includes(el.value)
    } else if (el.type !== 'hidden') {
      el.value = value
    }
  }
  say(status, 'What you typed earlier on this device has been put back. Check it before you send it.')
}

function say (status, text) {
  if (!status) return
  status.hidden = false
  status.textContent = text
}

for (const form of document.querySelectorAll('form[data-draft-key]')) {
  const key = 'childsafe-draft:' + form.dataset.draftKey
  const status = form.querySelector('[data-draft-status]')
  if (form.dataset.draftBound !== '1') {
    restore(form, key, status)
  } else {
    // The server sent the form back with errors: nothing was saved, so the draft stays.
    try { sessionStorage.removeItem(PENDING) } catch (e) {}
  }
  form.addEventListener('input', () => save(form, key, status))
  form.addEventListener('change', () => save(form, key, status))
  form.addEventListener('submit', (event) => {
    save(form, key, status)
    if (!navigator.onLine) {
      event.preventDefault()
      say(status, 'No connection. What you typed is kept on this device and will be sent when the connection is back.')
      window.addEventListener('online', () => form.requestSubmit(), { once: true })
      return
    }
    try { sessionStorage.setItem(PENDING, key) } catch (e) {}
  })
}

if (document.querySelector('[data-draft-saved]')) {
  try {
    const sent = sessionStorage.getItem(PENDING)
    if (sent) {
      localStorage.removeItem(sent)
      sessionStorage.removeItem(PENDING)
    }
  } catch (e) {}
}
