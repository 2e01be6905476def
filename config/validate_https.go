package config

import (
	"net/url"
)

// validateEdgeHTTPS checks the public listener's certificate source and
// the rate limits.
func (c *Config) validateEdgeHTTPS() error {
	e := c.Edge
	if (e.HTTPTLSCert == "") != (e.HTTPTLSKey == "") {
		return invalid("edge.http_tls_cert", e.HTTPTLSCert, "set edge.http_tls_cert and edge.http_tls_key together, or neither")
	}
	if e.HTTPTLSCert != "" && len(e.ACMEDomains) > 0 {
		return invalid("edge.acme_domains", e.ACMEDomains, "set either edge.acme_domains or edge.http_tls_cert, not both")
	}
	for _, d := range e.ACMEDomains {
		if !dnsNamePattern.MatchString(d) {
			return invalid("edge.acme_domains", d, "want DNS names in lower case such as mail.example.org")
		}
	}
	if e.ACMECA != "" {
		if u, err := url.Parse(e.ACMECA); err != nil || u.Scheme != "https" || u.Host == "" {
			return invalid("edge.acme_ca", e.ACMECA, "want the https:// URL of an ACME directory")
		}
	}
	return c.validateEdgeRates()
}

func (c *Config) validateEdgeRates() error {
	e := c.Edge
	for _, r := range []struct {
		key   string
		value int
	}{
		{"edge.rate_create", e.RateCreate},
		{"edge.rate_create_burst", e.RateCreateBurst},
		{"edge.rate_api", e.RateAPI},
		{"edge.rate_api_burst", e.RateAPIBurst},
	} {
		if r.value < 0 || r.value > 1_000_000 {
			return invalid(r.key, r.value, "want a number from 0 to 1000000")
		}
	}
	return nil
}
