package web

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"fundus"
)

// Site is what every page shows of the fund and of who runs it: the fund's
// name, logo and colour (FUNDUS_FUND_NAME, FUNDUS_LOGO_URL,
// FUNDUS_COLOR_PRIMARY) and the operator's details for the footer and the
// trust pages (FUNDUS_OPERATOR_*). cmd/fundus validates the values
// (CheckColor, CheckLogoURL); templates only print them, escaped.
type Site struct {
	FundName string
	// LogoURL is a path on this site ("/branding/logo.svg", served by the
	// reverse proxy) or an https URL; empty: no logo.
	LogoURL string
	// ColorPrimary is "#rrggbb", the colour of the header and buttons;
	// empty: the built-in blue.
	ColorPrimary string
	// MaxGrant is the largest amount a group may request, as shown on the
	// apply page (zero: no limit of its own); Quorum the votes a decision
	// needs.
	MaxGrant fundus.Money
	Quorum   int
	Operator Operator
	// ExampleOperator says the operator's details are the built-in
	// examples: the trust pages say so at the top.
	ExampleOperator bool
	// RetentionYears is how long a year's records are kept
	// (FUNDUS_RETENTION_YEARS), as the privacy policy states it.
	RetentionYears int
}

// Operator is who runs the fund, for the Impressum, the privacy policy and
// the contact page.
type Operator struct {
	Name           string // the public body, e.g. "Stadt Osnabrück"
	Address        string // postal address, one line
	Email          string
	Phone          string
	Representative string // who represents the body (the mayor)
	Responsible    string // responsible for the content (§ 18 Abs. 2 MStV)
	DPO            string // the data-protection officer: name and how to reach them
	Authority      string // the data-protection supervisory authority
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// CheckColor accepts a colour "#rrggbb" on which white text is readable
// (contrast at least 4.5:1, WCAG AA), since the header and the buttons
// write white on it. Anything else (names, rgb(), anything with ';' or
// '}') is refused: the value goes into a style sheet.
func CheckColor(v string) error {
	if !colorRE.MatchString(v) {
		return fmt.Errorf("must be a colour written #rrggbb, such as #0b5a8a")
	}
	if c := contrastWithWhite(v); c < 4.5 {
		return fmt.Errorf("white text on %s has a contrast of %.1f:1; it must be at least 4.5:1 (choose a darker colour)", v, c)
	}
	return nil
}

// contrastWithWhite is the WCAG contrast ratio of white on the colour.
func contrastWithWhite(hex string) float64 {
	lum := 0.0
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		n, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(n) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		lum += w * c
	}
	return 1.05 / (lum + 0.05)
}

// CheckLogoURL accepts a path on this site ("/..."), or an https URL
// without credentials; nothing with quotes, spaces or angle brackets.
func CheckLogoURL(v string) error {
	if v == "" {
		return nil
	}
	if strings.ContainsAny(v, "\"'<> \\\t\r\n();") || len(v) > 500 {
		return fmt.Errorf("must be a path such as /branding/logo.svg or an https URL, without quotes, spaces or brackets")
	}
	if strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Errorf("must be a path such as /branding/logo.svg or an https URL")
	}
	return nil
}

// LogoOrigin is the origin ("https://host") the logo comes from, for the
// page's Content-Security-Policy; empty for a logo on this site.
func (s Site) LogoOrigin() string {
	u, err := url.Parse(s.LogoURL)
	if err != nil || u.Scheme != "https" {
		return ""
	}
	return "https://" + u.Host
}

// ThemeCSS is the style sheet of the configured colour (/theme.css), loaded
// after style.css. The colour was checked by CheckColor, so it is a plain
// hex value.
func (s Site) ThemeCSS() string {
	if !colorRE.MatchString(s.ColorPrimary) {
		return "/* the built-in colours */\n"
	}
	return ":root { --accent: " + strings.ToLower(s.ColorPrimary) + "; }\n"
}

// ExampleOperator are the operator's details until FUNDUS_OPERATOR_* are
// set: clearly examples, and the trust pages warn that they are.
var ExampleOperator = Operator{
	Name:           "Stadt Musterstadt (BEISPIEL)",
	Address:        "Musterstraße 1, 12345 Musterstadt (BEISPIEL)",
	Email:          "fonds@example.org",
	Phone:          "+49 123 456789 (BEISPIEL)",
	Representative: "Oberbürgermeisterin Erika Mustermann (BEISPIEL)",
	Responsible:    "Max Mustermann, Fachdienst Integration, Anschrift wie oben (BEISPIEL)",
	DPO:            "Datenschutzbeauftragte der Stadt Musterstadt, datenschutz@example.org (BEISPIEL)",
	Authority:      "Die Landesbeauftragte für den Datenschutz Niedersachsen, Prinzenstraße 5, 30159 Hannover",
}
