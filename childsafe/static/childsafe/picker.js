// Childsafe person picker (ADR 0030): the same matches the "Search" button brings back, fetched as the
// user types. Without this script the button still works; with it, Enter searches instead of
// submitting the whole form.
const WAIT_MS = 300

function enhance (root) {
  const name = root.dataset.name
  const results = root.querySelector('.app-picker__results')
  const query = root.querySelector(`[name="${name}_q"]`)
  const born = root.querySelector(`[name="${name}_born"]`)
  if (!results || !query || !born) return
  let timer = null
  let latest = 0

  async function search () {
    const q = query.value.trim()
    if (q.length < 2 && !born.value.trim()) return
    const params = new URLSearchParams({
      name,
      multiple: root.dataset.multiple || '',
      next: window.location.pathname + window.location.search
    })
    params.set(`${name}_q`, q)
    params.set(`${name}_born`, born.value.trim())
    const ticket = ++latest
    const response = await fetch(`/people/pick/?${params}`, { headers: { Accept: 'text/html' }, credentials: 'same-origin' })
    if (!response.ok || ticket !== latest) return
    results.innerHTML = await response.text()
  }

  function later () {
    clearTimeout(timer)
    timer = setTimeout(search, WAIT_MS)
  }

  for (const input of [query, born]) {
    input.addEventListener('input', later)
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault()
        clearTimeout(timer)
        search()
      }
    })
  }
}

export function initPickers () {
  document.querySelectorAll('[data-module="app-person-picker"]').forEach(enhance)
}
