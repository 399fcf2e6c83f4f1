package httpx

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// TestDonationRangeGoesByBerlinDays: a date in ?from=/?to= of the donation
// list is a day in Europe/Berlin, as every other range of the fund: 1
// January starts at 23:00 UTC on 31 December and 31 December ends there.
func TestDonationRangeGoesByBerlinDays(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", "/api/v1/donations?from=2026-01-01&to=2026-12-31", nil)
	from, to, err := timeRange(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC); !from.Equal(want) {
		t.Errorf("from %v, want %v", from, want)
	}
	if want := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC); !to.Equal(want) {
		t.Errorf("to %v, want %v (exclusive)", to, want)
	}
}
