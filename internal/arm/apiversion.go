package arm

import (
	"net/http"
	"regexp"
	"time"

	"github.com/aksnet/aksnet/internal/azerr"
)

// apiVersionRE matches every api-version shape ARM serves: a date with an
// optional pre-release suffix, e.g. 2022-01-01, 2020-04-01-preview.
var apiVersionRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(-(preview|privatepreview|beta|alpha))?$`)

// firstAPIYear is the year of the oldest api-version ARM ever shipped.
const firstAPIYear = 2014

// checkAPIVersion enforces the api-version query parameter. Every plausible
// version is accepted — a real calendar date from 2014 up to two years ahead,
// with an optional pre-release suffix — because clients pick versions by
// profile and SDK release, and aksnet serves one model for all of them.
func checkAPIVersion(r *http.Request) error {
	v := r.URL.Query().Get("api-version")
	if v == "" {
		return azerr.BadRequest("MissingApiVersionParameter", "api-version", "The api-version query parameter (?api-version=) is required for all requests.")
	}
	m := apiVersionRE.FindStringSubmatch(v)
	if m == nil {
		return invalidAPIVersion(v)
	}
	d, err := time.Parse("2006-01-02", m[1]+"-"+m[2]+"-"+m[3])
	if err != nil || d.Year() < firstAPIYear || d.After(time.Now().AddDate(2, 0, 0)) {
		return invalidAPIVersion(v)
	}
	return nil
}

func invalidAPIVersion(v string) error {
	return azerr.BadRequest("InvalidApiVersionParameter", "api-version", "The api-version '%s' is invalid. The supported versions are dates from %d-01-01 on, in the form 'yyyy-mm-dd' with an optional '-preview' suffix.", v, firstAPIYear)
}
