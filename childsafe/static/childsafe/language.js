// QG-1 as it is written: each free-text box on a form is checked, a moment after the user stops typing,
// by the same check a save runs (POST /language/check, which counts nothing). A phrase found shows its
// better wording under the box. Nothing here is needed: without script the check runs on save.
// Loaded as a module by init.js; no inline script or style, so the Content-Security-Policy stays strict.

const DELAY_MS = 600

function csrfToken (form) {
  const input = form.querySelector('input[name="csrfmiddlewaretoken"]')
  return input ? input.value : ''
}

function panelFor (box) {
  let panel = document.getElementById(`${box.id || box.name}-language`)
  if (!panel) {
    panel = document.createElement('div')
    panel.id = `${box.id || box.name}-language`
    panel.className = 'govuk-inset-text cs-language'
    panel.setAttribute('aria-live', 'polite')
    panel.hidden = true
    box.insertAdjacentElement('afterend', panel)
  }
  return panel
}

function show (panel, suggestions) {
  panel.replaceChildren()
  for (const s of suggestions) {
    const p = document.createElement('p')
    p.className = 'govuk-body'
    const strong = document.createElement('strong')
    strong.textContent = `"${s.phrase}": `
    p.append(strong, s.suggestion)
    panel.append(p)
  }
  panel.hidden = suggestions.length === 0
}

async function check (box, form) {
  const body = new FormData()
  body.append('text', box.value)
  try {
    const response = await fetch('/language/check', {
      method: 'POST',
      body,
      credentials: 'same-origin',
      headers: { 'X-CSRFToken': csrfToken(form) }
    })
    if (!response.ok) return
    const data = await response.json()
    show(panelFor(box), data.suggestions || [])
  } catch (e) {
    // Offline or signed out: the check still runs when the form is saved.
  }
}

export function watch (root = document) {
  for (const form of root.querySelectorAll('form[method="post"]')) {
    if (form.hasAttribute('data-no-language-check') || !csrfToken(form)) continue
    for (const box of form.querySelectorAll('textarea')) {
      let timer
      box.addEventListener('input', () => {
        clearTimeout(timer)
        timer = setTimeout(() => check(box, form), DELAY_MS)
      })
    }
  }
}

watch()
