package extract

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// The word lists below are matched against the output of words: folded
// text (lower case, no accents) with each run of other characters than
// letters and digits turned into one space and a space at each end. So a
// stem written with its spaces (" help ") matches a whole word only. The
// lists cover English, German, French, Spanish, Italian, Portuguese and
// Dutch.
var (
	// strongWords name an action that only a verification link performs.
	strongWords = []string{
		"verif", "confirm", "conferm", "activat", "activer", "activar",
		"ativar", "attiva", "activeer", "aktivier", "validat", "valider",
		"validar", "convalid", "magic", "bestatig", "bestaetig",
		"freischalt", "bevestig", "reset", "recover", "reinitialis",
		"zurucksetz", "zuruecksetz", "wiederherstell", "restablec",
		"reimposta", "redefin", "recupera", "herstel",
	}

	// weakWords name a sign-in, which is a verification link only when
	// the URL carries a token: a plain link to the login page is not.
	weakWords = []string{
		"login", "log in", "signin", "sign in", "auth", "otp", "one time",
		"onetime", "passwor", "kennwort", "wachtwoord", "mot de passe",
		"motdepasse", "contrasena", "senha", "anmeld", "einlogg",
		"connexion", "connecter", "iniciar", "acced", "entrar", "inlogg",
		"invit", "accept",
	}

	// excludedWords mark links that are never verification links:
	// unsubscribe, preferences, privacy, legal, help and abuse reports.
	excludedWords = []string{
		"unsubscribe", " unsub ", "opt out", "optout", "abmeld", "austrag",
		"abbestell", "desabonn", "desinscri", "desuscri", "darse de baja",
		" baja ", "disiscri", "cancel", "descadastr", "uitschrijv", "afmeld",
		"preferenc", "praferenz", "einstellung", "privacy", "privacidad",
		"privacidade", "datenschutz", "confidentialit", "privacybeleid",
		"cookie", " terms ", " legal ", "impressum", " agb ",
		"mentions legales", " help ", " faq ", "support", "hilfe", " aide ",
		"ayuda", "aiuto", "ajuda", "report", "abuse", " spam ", " not me ",
		" notme ", "wasnt me", "wasn t me", "didnt request",
		"didn t request", "nicht angefordert",
	}

	// tokenValue matches a query value or path segment that looks like a
	// random token rather than a word.
	tokenValue = regexp.MustCompile(`^[A-Za-z0-9_.~=%-]{16,}$`)
)

// words returns s folded, with every run of other characters than letters
// and digits turned into one space, and a space at each end.
func words(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(' ')
	space := true
	for _, r := range fold(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	if !space {
		b.WriteByte(' ')
	}
	return b.String()
}

func containsWord(text string, list []string) bool {
	for _, w := range list {
		if strings.Contains(text, w) {
			return true
		}
	}
	return false
}

// socialHosts are social networks, whose links in mail are never
// verification links.
var socialHosts = []string{
	"facebook.com", "fb.com", "twitter.com", "x.com", "instagram.com",
	"linkedin.com", "youtube.com", "youtu.be", "tiktok.com",
	"pinterest.com", "t.me", "threads.net", "whatsapp.com",
	"snapchat.com", "reddit.com", "discord.gg", "xing.com",
}

// tokenParams are query parameters that carry a sign-in or verification
// token.
var tokenParams = map[string]bool{
	"token": true, "t": true, "key": true, "code": true, "otp": true,
	"sig": true, "signature": true, "hash": true, "oobcode": true,
	"ticket": true, "nonce": true, "jwt": true, "k": true, "h": true,
	"secret": true, "auth": true, "login_token": true, "magic": true,
}

// Points of each signal. A strong word in the anchor text counts most,
// because it is what the reader is asked to click.
const (
	strongAnchorPoints = 4
	strongURLPoints    = 3
	weakPoints         = 2
	tokenPoints        = 1
)

// verificationScore rates how much the link at rawURL, with the redirect
// target target ("" if none) and anchor text, looks like a verification
// link: 0 for none, higher for better. Among equal signals a direct link
// scores one more than a tracking redirect.
func verificationScore(rawURL, target, anchorText string) int {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0
	}
	dest := u
	if target != "" {
		if t, err := url.Parse(target); err == nil {
			dest = t
		}
	}
	// The host is left out: a link to verify.example.com/unsubscribe is
	// not a verification link, and every link of a sign-in service would
	// match otherwise. A redirect is judged by where it leads.
	where := words(unescapedRest(dest))
	anchor := words(anchorText)
	if containsWord(where, excludedWords) || containsWord(anchor, excludedWords) || isSocial(u.Hostname()) || isSocial(dest.Hostname()) {
		return 0
	}

	points := 0
	if containsWord(anchor, strongWords) {
		points += strongAnchorPoints
	}
	if containsWord(where, strongWords) {
		points += strongURLPoints
	}
	if hasToken(dest) {
		if containsWord(anchor, weakWords) {
			points += weakPoints
		}
		if containsWord(where, weakWords) {
			points += weakPoints
		}
		if points > 0 {
			points += tokenPoints
		}
	}
	if points == 0 {
		return 0
	}
	score := 2 * points
	if target == "" {
		score++
	}
	return score
}

// unescapedRest returns the path, query and fragment of u, unescaped
// where possible.
func unescapedRest(u *url.URL) string {
	rest := u.EscapedPath() + "?" + u.RawQuery + "#" + u.EscapedFragment()
	if unescaped, err := url.QueryUnescape(rest); err == nil {
		return unescaped
	}
	return rest
}

func isSocial(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, s := range socialHosts {
		if host == s || strings.HasSuffix(host, "."+s) {
			return true
		}
	}
	return false
}

// hasToken reports whether u carries something that looks like a
// one-time token: a known token parameter with a value of 6 or more
// characters, or a long random-looking query value or path segment.
func hasToken(u *url.URL) bool {
	for _, pair := range strings.Split(u.RawQuery, "&") {
		name, value, _ := strings.Cut(pair, "=")
		if tokenParams[strings.ToLower(name)] && len(value) >= 6 {
			return true
		}
		if looksRandom(value) {
			return true
		}
	}
	for _, segment := range strings.Split(u.EscapedPath(), "/") {
		if looksRandom(segment) {
			return true
		}
	}
	return false
}

// looksRandom reports whether s is 16 or more token characters with both
// letters and digits.
func looksRandom(s string) bool {
	return tokenValue.MatchString(s) && hasDigit(s) && strings.ContainsFunc(s, func(r rune) bool {
		return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
	})
}
