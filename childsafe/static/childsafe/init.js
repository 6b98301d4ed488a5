// Childsafe: initialise GOV.UK Frontend without any inline <script>, so the
// Content-Security-Policy does not need 'unsafe-inline'.
//
// Load from the base template (at the end of <body>):
//   <script type="module" src="{% static 'childsafe/init.js' %}"></script>
//
// This replaces GOV.UK Frontend's usual inline snippet
//   document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
// A browser that runs this file supports ES modules, so both classes are
// added unconditionally. initAll() does nothing unless
// `govuk-frontend-supported` is on <body>, so it must be added first.
// (Static imports are evaluated before this module's body; that is fine, as
// the import only defines functions.)
import { initAll } from './govuk-frontend.min.js'
import { initPickers } from './picker.js'
import { initSubnavs } from './subnav.js'
import './language.js' // QG-1 as the user types

document.body.classList.add('js-enabled', 'govuk-frontend-supported')

initAll()
initPickers()
initSubnavs()
