package api

import (
	"github.com/gin-gonic/gin"

	"fundus/http/httpx"
)

// Routes routes the JSON API and the operations endpoints: every route for
// machines is here. Every route under /api/v1 requires JSON and reads the
// caller's session; public writes and sign-in are rate-limited before
// anything else is done. The middleware every request passes is attached
// by http/server.
func (h *Handler) Routes(r *gin.Engine) {
	r.GET("/healthz", h.healthz)
	r.GET("/readyz", h.readyz)
	r.GET("/problems/:slug", httpx.DescribeProblem)

	v1 := []gin.HandlerFunc{httpx.RequireJSON, httpx.Authenticate(h.Auth)}
	api := r.Group("/api/v1", v1...)
	limited := r.Group("/api/v1", append([]gin.HandlerFunc{h.Limiter.Guard}, v1...)...)
	api.GET("/openapi.json", serveOpenAPI)

	limited.POST("/register", h.register)
	limited.POST("/sessions", h.signIn)
	api.DELETE("/sessions/current", httpx.RequireUser, h.signOut)
	api.DELETE("/sessions", httpx.RequireUser, h.signOutEverywhere)
	api.GET("/me", httpx.RequireUser, h.me)
	limited.POST("/me/password", httpx.RequireUser, h.changePassword)
	limited.POST("/me/address-confirmation", httpx.RequireUser, h.resendConfirmation)
	limited.POST("/password-resets", h.askPasswordReset)
	limited.POST("/password-resets/:token", h.resetPassword)
	limited.POST("/address-confirmations/:token", h.confirmAddress)
	api.POST("/users", httpx.RequireUser, h.createUser)
	api.GET("/users", httpx.RequireUser, h.listUsers)
	api.PATCH("/users/:id", httpx.RequireUser, h.updateUser)
	api.GET("/role-grants", httpx.RequireUser, h.listRoleGrants)
	api.POST("/role-grants/:id/confirm", httpx.RequireUser, h.confirmRoleGrant)

	api.GET("/ledger/accounts", httpx.RequireUser, h.ledgerAccounts)
	api.GET("/ledger/entries", httpx.RequireUser, h.ledgerEntries)
	api.POST("/ledger/entries", httpx.RequireUser, h.postEntry)
	api.GET("/ledger/entries/:id", httpx.RequireUser, h.ledgerEntry)
	api.POST("/ledger/entries/:id/reverse", httpx.RequireUser, h.reverseEntry)
	api.GET("/ledger/trial-balance", httpx.RequireUser, h.trialBalance)
	api.GET("/ledger/verify", httpx.RequireUser, h.verifyLedger)
	api.GET("/ledger/export", httpx.RequireUser, h.exportLedger)
	api.GET("/audit", httpx.RequireUser, h.auditTrail)

	limited.POST("/donations", h.pledge)
	api.GET("/donations", httpx.RequireUser, h.listDonations)
	api.GET("/donations/:id", httpx.RequireUser, h.getDonation)
	api.GET("/donations/:id/:format", h.giroCode)
	api.POST("/donations/:id/confirm", httpx.RequireUser, h.confirmDonation)
	api.POST("/donations/:id/cancel", httpx.RequireUser, h.cancelDonation)
	api.POST("/donations/:id/refund", httpx.RequireUser, h.refundDonation)
	api.POST("/donations/:id/refund-account", httpx.RequireUser, h.refundAccount)
	api.POST("/donations/:id/erase", httpx.RequireUser, h.eraseDonation)
	api.POST("/donations/:id/receipt", httpx.RequireUser, h.issueReceipt)

	api.GET("/receipts", httpx.RequireUser, h.listReceipts)
	api.POST("/receipts/annual", httpx.RequireUser, h.annualReceipts)
	api.GET("/receipts/:id", httpx.RequireUser, h.getReceipt)
	api.GET("/receipts/:id/pdf", httpx.RequireUser, h.receiptPDF)
	api.POST("/receipts/:id/cancel", httpx.RequireUser, h.cancelReceipt)

	api.GET("/acceptance/pending", httpx.RequireUser, h.pendingAcceptance)
	api.POST("/acceptance/decisions", httpx.RequireUser, h.decideAcceptance)
	api.GET("/acceptance/report", httpx.RequireUser, h.acceptanceReport)

	api.POST("/applications", httpx.RequireUser, h.createApplication)
	api.GET("/applications", httpx.RequireUser, h.listApplications)
	api.GET("/applications/:id", httpx.RequireUser, h.getApplication)
	api.PATCH("/applications/:id", httpx.RequireUser, h.patchApplication)
	api.POST("/applications/:id/submit", httpx.RequireUser, h.submitApplication)
	api.POST("/applications/:id/withdraw", httpx.RequireUser, h.withdrawApplication)
	api.POST("/applications/:id/reviews", httpx.RequireUser, h.addReview)
	api.POST("/applications/:id/votes", httpx.RequireUser, h.castVote)
	api.POST("/applications/:id/decision", httpx.RequireUser, h.decide)
	api.POST("/applications/:id/disbursements", httpx.RequireUser, h.createDisbursement)
	api.POST("/disbursements/:id/release", httpx.RequireUser, h.releaseDisbursement)
	api.POST("/applications/:id/report", httpx.RequireUser, h.reportOnApplication)
	api.POST("/applications/:id/close", httpx.RequireUser, h.closeApplication)

	// A bank file is sent as it came (XML, ZIP or CSV), not as JSON; its
	// handler checks the content type, and its body limit is the
	// statement limit (http/server).
	r.POST("/api/v1/bank/statements", httpx.Authenticate(h.Auth), httpx.RequireUser, h.importStatement)
	api.GET("/bank/statements", httpx.RequireUser, h.listStatements)
	api.GET("/bank/transactions", httpx.RequireUser, h.listBankLines)
	api.GET("/bank/transactions/:id", httpx.RequireUser, h.getBankLine)
	api.POST("/bank/transactions/:id/assign", httpx.RequireUser, h.assignBankLine)
	api.POST("/bank/transactions/:id/book-donation", httpx.RequireUser, h.bookBankLineAsDonation)
	api.POST("/bank/transactions/:id/book", httpx.RequireUser, h.bookBankLine)
	api.GET("/bank/reconciliation", httpx.RequireUser, h.reconciliation)
	api.POST("/payment-files", httpx.RequireUser, h.createPaymentFile)
	api.GET("/payment-files", httpx.RequireUser, h.listPaymentFiles)
	api.GET("/payment-files/:id/pain.001.xml", httpx.RequireUser, h.paymentFileDocument)

	api.GET("/fund", h.publicFigures)
	api.GET("/fund/projects", h.fundProjects)
	api.GET("/fund/report", h.fundReport)
}
