package httpx

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"fundus/ledger"
)

// StreamLedgerExport sends the ledger from..to in format (checked by the
// caller: one of ledger.ExportFormats) as a file to download, streamed
// from one snapshot. The API and the auditor's page both use it. Once the
// first byte is out the status is gone: an error then is logged and the
// client sees a cut file.
func StreamLedgerExport(c *gin.Context, l *ledger.Service, format, from, to string) {
	f := ledger.ExportFormats[format]
	name := "fundus-ledger"
	if from != "" {
		name += "-from-" + from
	}
	if to != "" {
		name += "-to-" + to
	}
	c.Header("Content-Type", f.ContentType)
	c.Header("Content-Disposition", `attachment; filename="`+name+"."+f.Ext+`"`)
	c.Header("Cache-Control", "no-store")
	c.Status(http.StatusOK)
	if err := l.Export(c.Request.Context(), CurrentUser(c), c.Writer, format, from, to); err != nil {
		WriteErrorLog(c, err, RequestID(c))
	}
	c.Abort()
}
