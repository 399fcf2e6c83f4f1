package ui

// CSRFCookie is the name of the cookie with a browser's anonymous id, for
// the tests of package ui_test that plant one.
const CSRFCookie = csrfCookie
