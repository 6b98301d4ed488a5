// The missing episode's parts (missing/_subnav.html, ADR 0061): folded behind "Parts of this episode" on a
// phone, so the part itself is not below a dozen links; open in a row from tablet up (the stylesheet hides
// the summary of an open fold there). Without this script the fold stays closed at every width: one click
// more, nothing lost.
const WIDE = window.matchMedia('(min-width: 40.0625em)') // GOV.UK Frontend's tablet breakpoint

export function initSubnavs () {
  const folds = document.querySelectorAll('.cs-subnav__fold')
  if (!folds.length) return
  const fit = () => { for (const fold of folds) fold.open = WIDE.matches }
  fit()
  WIDE.addEventListener('change', fit)
}
