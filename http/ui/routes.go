package ui

import (
	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/auth"
	"fundus/grants"
)

// Routes routes the pages for people and their static files: every route
// for people is here. Every page reads the visitor's session and language
// (pageContext); a form's POST checks its CSRF token after the role the
// page requires. The middleware every request passes is attached by
// http/server.
func (h *Handler) Routes(r *gin.Engine) {
	r.GET("/static/*filepath", serveStatic())
	pages := r.Group("/", h.pageContext)
	pages.GET("/", h.fundPage)
	pages.GET("/lang", h.setLang)
	pages.GET("/report", h.reportPage)
	pages.GET("/impressum", h.trustPage("trust_impressum", "trust.impressum"))
	pages.GET("/datenschutz", h.trustPage("trust_privacy", "trust.privacy"))
	pages.GET("/kontakt", h.trustPage("trust_contact", "trust.contact"))
	r.GET("/theme.css", h.themeCSS)
	pages.GET("/donate", h.donatePage)
	pages.POST("/donate", h.limitPage, h.checkCSRF, h.donate)
	pages.GET("/donate/thanks/:id", h.thanksPage)
	pages.GET("/login", h.loginPage)
	pages.POST("/login", h.limitPage, h.checkCSRF, h.login)
	pages.POST("/logout", h.checkCSRF, h.logout)
	pages.GET("/password-reset", h.forgotPage)
	pages.POST("/password-reset", h.limitPage, h.checkCSRF, h.askReset)
	pages.GET("/password-reset/:token", h.newPasswordPage)
	pages.POST("/password-reset/:token", h.limitPage, h.checkCSRF, h.resetPassword)
	pages.GET("/confirm-address/:token", h.confirmAddressPage)
	pages.POST("/confirm-address/:token", h.limitPage, h.checkCSRF, h.confirmAddress)
	pages.GET("/account", requireSignIn, h.accountPage)
	pages.POST("/account/password", requireSignIn, h.limitPage, h.checkCSRF, h.changePassword)
	pages.POST("/account/sign-out-everywhere", requireSignIn, h.checkCSRF, h.signOutEverywhere)
	pages.POST("/account/confirm-address", requireSignIn, h.limitPage, h.checkCSRF, h.resendConfirmation)

	admin := pages.Group("/admin", staffLang, h.requirePageRole(auth.Admin))
	admin.GET("/users", h.usersPage)
	admin.GET("/users/:id", h.userPage)
	admin.GET("/users/:id/:action", h.userChangePage)
	admin.POST("/users/:id/:action", h.checkCSRF, h.changeUser)
	admin.GET("/role-grants", h.roleGrantsPage)
	admin.GET("/role-grants/:id/confirm", h.grantConfirmPage)
	admin.POST("/role-grants/:id/confirm", h.checkCSRF, h.confirmGrant)
	admin.GET("/donations", h.adminDonationsPage)
	admin.GET("/donations/:id/erase", h.eraseConfirmPage)
	admin.POST("/donations/:id/erase", h.checkCSRF, h.eraseDonation)

	// Accepting donations (§ 111 Abs. 8 NKomVG): the sessions' lists for
	// the admin and the treasurer, the decision for the admin, the yearly
	// report for the admin and the auditor.
	pages.GET("/admin/acceptance", staffLang, h.requirePageAction(fundus.ReadAcceptance), h.acceptancePage)
	pages.GET("/admin/acceptance/print", staffLang, h.requirePageAction(fundus.ReadAcceptance), h.acceptancePrintPage)
	pages.POST("/admin/acceptance/decide", staffLang, h.requirePageAction(fundus.DecideAcceptance), h.checkCSRF, h.decideAcceptance)
	pages.GET("/admin/acceptance/report", staffLang, h.requirePageAction(fundus.ReadAcceptanceReport), h.acceptanceReportPage)

	treasurer := pages.Group("/treasurer", staffLang, h.requirePageRole(auth.Treasurer))
	treasurer.GET("/donations", h.treasurerPage)
	treasurer.GET("/donations/:id/receipt", h.receiptStep)
	treasurer.POST("/donations/:id/receipt", h.checkCSRF, h.issueReceiptPage)
	treasurer.GET("/donations/:id/:action", h.actionPage)
	treasurer.POST("/donations/:id/:action", h.checkCSRF, h.doAction)
	treasurer.GET("/bank", h.bankPage)
	treasurer.POST("/bank/statements", h.checkCSRF, h.uploadStatement)
	treasurer.GET("/bank/queue", h.queuePage)
	treasurer.GET("/bank/lines/:id", h.linePage)
	treasurer.GET("/bank/lines/:id/:action", h.bankConfirmPage)
	treasurer.POST("/bank/lines/:id/:action", h.checkCSRF, h.doBankAction)
	treasurer.GET("/bank/reconciliation", h.reconciliationPage)
	treasurer.POST("/bank/payment-files", h.checkCSRF, h.createPaymentFile)
	treasurer.GET("/bank/payment-files/:id/pain.001.xml", h.paymentFileDownload)
	treasurer.GET("/receipts", h.receiptsPage)
	treasurer.POST("/receipts/annual", h.checkCSRF, h.runAnnual)
	treasurer.GET("/receipts/:id/pdf", h.receiptDownloadPage)
	treasurer.GET("/receipts/:id/cancel", h.receiptCancelPage)
	treasurer.POST("/receipts/:id/cancel", h.checkCSRF, h.cancelReceiptPage)
	treasurer.GET("/instalments", h.instalmentsPage)
	treasurer.GET("/grants", h.grantsList("grants.payouts", grants.Approved, grants.PartiallyPaid, grants.Paid, grants.Reported))

	// The auditor's pages: for whoever may read the audit trail.
	auditor := pages.Group("/auditor", staffLang, h.requirePageAction(fundus.ReadAudit))
	auditor.GET("/ledger", h.ledgerPage)
	auditor.GET("/ledger/entries/:id", h.entryPage)
	auditor.GET("/ledger/trial-balance", h.trialBalancePage)
	auditor.GET("/ledger/export", h.exportPage)
	auditor.GET("/ledger/verify", h.verifyPage)
	auditor.GET("/audit", h.auditPage)

	applicant := h.requirePageRole(auth.Applicant)
	pages.GET("/apply", h.applyPage)
	pages.POST("/apply/register", h.limitPage, h.checkCSRF, h.registerPage)
	pages.GET("/apply/new", applicant, h.newApplicationPage)
	pages.POST("/apply/new", applicant, h.checkCSRF, h.saveApplication)
	pages.GET("/grants/:id", requireSignIn, h.grantPage)
	pages.GET("/grants/:id/edit", applicant, h.editApplicationPage)
	pages.POST("/grants/:id/edit", applicant, h.checkCSRF, h.saveApplication)
	pages.GET("/grants/:id/withdraw", applicant, h.withdrawConfirmPage)
	pages.POST("/grants/:id/report", requireSignIn, h.parseUpload, h.checkCSRF, h.reportAction)
	pages.GET("/grants/:id/receipts/:rid", requireSignIn, h.receiptDownload)
	pages.POST("/grants/:id/:action", requireSignIn, h.checkCSRF, h.grantAction)
	pages.GET("/payouts/:id/release", staffLang, requireSignIn, h.releaseConfirmPage)
	pages.POST("/payouts/:id/release", staffLang, requireSignIn, h.checkCSRF, h.releasePage)
	pages.GET("/committee", staffLang, h.requirePageRole(auth.Committee), h.committeePage)
}
