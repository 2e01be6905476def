package api

import "net/http"

// APIContentSecurityPolicy is the policy of every reply that does not set
// its own: JSON loads nothing and may not be framed.
const APIContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

// hstsValue tells browsers to use HTTPS only, for two years (RFC 6797).
const hstsValue = "max-age=63072000; includeSubDomains"

// permissionsPolicy turns off the browser features a disposable inbox
// never needs, including the interest-based advertising APIs.
const permissionsPolicy = "accelerometer=(), autoplay=(), browsing-topics=(), camera=(), " +
	"display-capture=(), geolocation=(), gyroscope=(), interest-cohort=(), magnetometer=(), " +
	"microphone=(), payment=(), usb=()"

// SecurityHeaders sets the headers of a privacy service on every reply of
// next, errors included: no caching, no referrer, no content sniffing, no
// framing, no cross-origin use, no browser features, and HSTS when the
// request came over TLS. It sets them before next runs, so a handler that
// serves a page replaces the API's policy with
// w.Header().Set("Content-Security-Policy", itsPolicy). It removes any
// Set-Cookie that next adds, since the service sets no cookie.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", APIContentSecurityPolicy)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Permissions-Policy", permissionsPolicy)
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", hstsValue)
		}
		next.ServeHTTP(&noCookieWriter{ResponseWriter: w}, r)
	})
}

// noCookieWriter drops Set-Cookie when the header is written.
type noCookieWriter struct {
	http.ResponseWriter
}

func (w *noCookieWriter) WriteHeader(code int) {
	w.Header().Del("Set-Cookie")
	w.ResponseWriter.WriteHeader(code)
}

func (w *noCookieWriter) Write(b []byte) (int, error) {
	w.Header().Del("Set-Cookie")
	return w.ResponseWriter.Write(b)
}

func (w *noCookieWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
