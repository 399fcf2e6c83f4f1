package handlers

import (
	"github.com/gin-gonic/gin"

	"fundus/auth"
	"fundus/grants"
)

// This file holds every route of the server: apiRoutes for machines (the
// JSON API under /api/v1, the operations endpoints and the problem types),
// pageRoutes for people. The middleware every request passes is attached
// in router (server.go).

// apiRoutes routes the JSON API and the operations endpoints. Every route
// under /api/v1 requires JSON and reads the caller's session; public
// writes and sign-in are rate-limited before anything else is done.
func (s *Server) apiRoutes(r *gin.Engine) {
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/problems/:slug", describeProblem)

	v1 := []gin.HandlerFunc{requireJSON, s.authenticate}
	api := r.Group("/api/v1", v1...)
	limited := r.Group("/api/v1", append([]gin.HandlerFunc{s.limiter.guard}, v1...)...)
	api.GET("/openapi.json", serveOpenAPI)

	limited.POST("/register", s.register)
	limited.POST("/sessions", s.signIn)
	api.DELETE("/sessions/current", requireUser, s.signOut)
	api.GET("/me", requireUser, s.me)
	api.POST("/users", requireUser, s.createUser)
	api.GET("/users", requireUser, s.listUsers)
	api.PATCH("/users/:id", requireUser, s.updateUser)
	api.GET("/role-grants", requireUser, s.listRoleGrants)
	api.POST("/role-grants/:id/confirm", requireUser, s.confirmRoleGrant)

	api.GET("/ledger/accounts", requireUser, s.ledgerAccounts)
	api.GET("/ledger/entries", requireUser, s.ledgerEntries)
	api.POST("/ledger/entries", requireUser, s.postEntry)
	api.GET("/ledger/entries/:id", requireUser, s.ledgerEntry)
	api.POST("/ledger/entries/:id/reverse", requireUser, s.reverseEntry)
	api.GET("/ledger/trial-balance", requireUser, s.trialBalance)
	api.GET("/ledger/verify", requireUser, s.verifyLedger)
	api.GET("/ledger/export", requireUser, s.exportLedger)
	api.GET("/audit", requireUser, s.auditTrail)

	limited.POST("/donations", s.pledge)
	api.GET("/donations", requireUser, s.listDonations)
	api.GET("/donations/:id", requireUser, s.getDonation)
	api.GET("/donations/:id/:format", s.giroCode)
	api.POST("/donations/:id/confirm", requireUser, s.confirmDonation)
	api.POST("/donations/:id/cancel", requireUser, s.cancelDonation)
	api.POST("/donations/:id/refund", requireUser, s.refundDonation)

	api.POST("/applications", requireUser, s.createApplication)
	api.GET("/applications", requireUser, s.listApplications)
	api.GET("/applications/:id", requireUser, s.getApplication)
	api.PATCH("/applications/:id", requireUser, s.patchApplication)
	api.POST("/applications/:id/submit", requireUser, s.submitApplication)
	api.POST("/applications/:id/withdraw", requireUser, s.withdrawApplication)
	api.POST("/applications/:id/reviews", requireUser, s.addReview)
	api.POST("/applications/:id/votes", requireUser, s.castVote)
	api.POST("/applications/:id/decision", requireUser, s.decide)
	api.POST("/applications/:id/disbursements", requireUser, s.createDisbursement)
	api.POST("/disbursements/:id/release", requireUser, s.releaseDisbursement)
	api.POST("/applications/:id/report", requireUser, s.reportOnApplication)
	api.POST("/applications/:id/close", requireUser, s.closeApplication)

	api.GET("/fund", s.publicFigures)
	api.GET("/fund/projects", s.fundProjects)
	api.GET("/fund/report", s.fundReport)
}

// pageRoutes routes the pages for people and their static files. Every
// page reads the visitor's session and language (pageContext); a form's
// POST checks its CSRF token after the role the page requires.
func (s *Server) pageRoutes(r *gin.Engine) {
	r.GET("/static/*filepath", serveStatic())
	pages := r.Group("/", s.pageContext)
	pages.GET("/", s.fundPage)
	pages.GET("/lang", s.setLang)
	pages.GET("/report", s.reportPage)
	pages.GET("/donate", s.donatePage)
	pages.POST("/donate", s.limitPage, s.checkCSRF, s.donate)
	pages.GET("/login", s.loginPage)
	pages.POST("/login", s.limitPage, s.checkCSRF, s.login)
	pages.POST("/logout", s.checkCSRF, s.logout)

	treasurer := pages.Group("/treasurer", s.requirePageRole(auth.Treasurer))
	treasurer.GET("/donations", s.treasurerPage)
	treasurer.GET("/donations/:id/:action", s.actionPage)
	treasurer.POST("/donations/:id/:action", s.checkCSRF, s.doAction)
	treasurer.GET("/grants", s.grantsList("grants.payouts", grants.Approved, grants.PartiallyPaid, grants.Paid, grants.Reported))

	applicant := s.requirePageRole(auth.Applicant)
	pages.GET("/apply", s.applyPage)
	pages.POST("/apply/register", s.limitPage, s.checkCSRF, s.registerPage)
	pages.GET("/apply/new", applicant, s.newApplicationPage)
	pages.POST("/apply/new", applicant, s.checkCSRF, s.saveApplication)
	pages.GET("/grants/:id", requireSignIn, s.grantPage)
	pages.GET("/grants/:id/edit", applicant, s.editApplicationPage)
	pages.POST("/grants/:id/edit", applicant, s.checkCSRF, s.saveApplication)
	pages.POST("/grants/:id/:action", requireSignIn, s.checkCSRF, s.grantAction)
	pages.POST("/payouts/:id/release", requireSignIn, s.checkCSRF, s.releasePage)
	pages.GET("/committee", s.requirePageRole(auth.Committee), s.grantsList("grants.queue", grants.Submitted, grants.InReview))
}
