package extract

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search windows around a keyword, in bytes: a code usually follows its
// keyword ("your code is 123456") and sometimes comes first ("123456 is
// your code").
const (
	windowAfter  = 80
	windowBefore = 40
	// labelWindow is how far back on its line a number may be claimed by
	// a label such as "Order no.".
	labelWindow = 40
	// introWindow is the longest gap between a keyword and a code it
	// introduces directly ("code: ", "Code ist ").
	introWindow = 24
)

// keywordStems announce a code wherever they stand in a word, so that
// "code" also finds "Bestätigungscode" and "verificatiecode". They are
// matched against the body with ASCII letters in lower case, so stems
// with other letters are listed in both cases.
var keywordStems = []string{
	"code", "codice", "código", "cÓdigo", "codigo", "verif", "vérif", "vÉrif",
	"bestätigung", "bestÄtigung", "einmalpasswort", "kennwort", "senha",
	"contraseña", "contraseÑa", "clave", "wachtwoord", "mot de passe", "token",
	"password", "passwort",
}

// keywordWords announce a code only as whole words, so that "pin" does
// not match "spinning".
var keywordWords = []string{"otp", "totp", "pin", "tan", "2fa", "mfa"}

// qualifiedStem matches the start of a compound word whose code is not a
// one-time code ("Gutscheincode", "barcode", "Postcode", "Fehlercode"),
// or no code at all ("encoded", "Unicode").
var qualifiedStem = regexp.MustCompile(`^(?:promo|coupon|gutschein|rabatt|aktions|discount|voucher|korting|gift|geschenk|bar|qr|quell|source|post|zip|area|country|status|error|fehler|tracking|sendungs|referral|empfehlungs|bank|iban|swift|encod|decod|unicod|codec)`)

// qualifiers are the words next to "code" that make it something other
// than a one-time code ("promo code", "code postal", "codice fiscale").
var qualifiers = map[string]bool{
	"promo": true, "promotional": true, "promotion": true, "coupon": true,
	"discount": true, "voucher": true, "gift": true, "zip": true,
	"postal": true, "area": true, "country": true, "source": true,
	"qr": true, "status": true, "error": true, "tracking": true,
	"referral": true, "bank": true, "sort": true, "swift": true,
	"rabatt": true, "gutschein": true, "reduction": true, "postale": true,
	"erreur": true, "parrainage": true, "descuento": true,
	"promocional": true, "sconto": true, "promozionale": true,
	"fiscale": true, "fiscal": true, "desconto": true, "cupom": true,
	"cupon": true, "korting": true,
}

// labelPattern matches the words that claim the number after them for
// something other than a code: orders, invoices, accounts, phone numbers.
var labelPattern = regexp.MustCompile(`(?i)\b(?:order|invoice|ticket|ref|reference|customer|account|booking|reservation|tracking|case|phone|tel|telephone|call|fax|mobile|hotline|whatsapp|bestell\w*|rechnung\w*|kunden\w*|auftrag\w*|buchung\w*|telefon\w*|konto|commande|facture|réservation|client|téléphone|compte|pedido|factura|reserva|teléfono|cuenta|llame|ordine|fattura|prenotazione|telefono|chiama|encomenda|fatura|conta|bestelling|factuur|klant\w*|boeking|telefoon|rekening|bel)\b|[#№]`)

// labelFiller matches what may stand between a label and its number:
// "Order no. 1234", "Bestellnummer: 1234", "call us at 0800".
var labelFiller = regexp.MustCompile(`(?i)^[\s:#.=°-]*(?:(?:number|no|nr|num|n°|nummer|numéro|numero|número|id|us|at|on|unter|au|al|op|under)[\s:#.=°-]*){0,2}$`)

// introGap matches what may stand between a keyword and a code it
// introduces directly: punctuation, quotes and a verb such as "is".
var introGap = regexp.MustCompile(`(?i)^[\s:=*>"'«»“”(\[–—-]*(?:(?:is|ist|lautet|est|es|è|é|e)[\s:]*)?(?:(?:le|la|el|o|de)\s+)?$`)

// span is a part of the body, as byte offsets.
type span struct{ start, end int }

func (s span) len() int { return s.end - s.start }

// findKeywords returns the whole words of body that contain a keyword, in
// order, and apart from them those qualified as some other kind of code
// ("promo code", "Fehlercode"), which claim the number after them.
func findKeywords(body string) (keywords, qualified []span) {
	for _, loc := range keywordMatches(body) {
		w := wordAround(body, loc.start, loc.end)
		switch {
		case len(keywords) > 0 && keywords[len(keywords)-1] == w:
		case len(qualified) > 0 && qualified[len(qualified)-1] == w:
		case isQualified(body, w):
			qualified = append(qualified, w)
		default:
			keywords = append(keywords, w)
		}
	}
	return keywords, qualified
}

// keywordMatches returns where body contains a keyword stem or word, in
// order. It uses plain substring search, which is several times faster on
// large bodies than a case-insensitive regular expression.
func keywordMatches(body string) []span {
	lower := lowerASCII(body)
	var out []span
	for _, stem := range keywordStems {
		out = appendMatches(out, lower, stem, false)
	}
	for _, word := range keywordWords {
		out = appendMatches(out, lower, word, true)
	}
	slices.SortFunc(out, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	return out
}

// appendMatches appends each occurrence of needle in haystack, only those
// between ASCII word boundaries when whole is set.
func appendMatches(out []span, haystack, needle string, whole bool) []span {
	for from := 0; ; {
		i := strings.Index(haystack[from:], needle)
		if i < 0 {
			return out
		}
		start, end := from+i, from+i+len(needle)
		from = end
		if whole && ((start > 0 && isWordByte(haystack[start-1])) || (end < len(haystack) && isWordByte(haystack[end]))) {
			continue
		}
		out = append(out, span{start, end})
	}
}

// lowerASCII lowers the ASCII letters of s only, so that byte offsets
// stay those of s.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

func isWordByte(b byte) bool { return isAlnum(b) || b == '_' }

// wordAround widens [start, end) to the letters around it.
func wordAround(body string, start, end int) span {
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(body[:start])
		if !unicode.IsLetter(r) {
			break
		}
		start -= size
	}
	for end < len(body) {
		r, size := utf8.DecodeRuneInString(body[end:])
		if !unicode.IsLetter(r) {
			break
		}
		end += size
	}
	return span{start, end}
}

// isQualified reports whether the keyword word w names a code that is
// not a one-time code, by its own stem or by the word on either side.
func isQualified(body string, w span) bool {
	if qualifiedStem.MatchString(fold(body[w.start:w.end])) {
		return true
	}
	before := strings.FieldsFunc(body[max(0, w.start-20):w.start], isWordSeparator)
	if len(before) > 0 && qualifiers[fold(before[len(before)-1])] {
		return true
	}
	after := strings.FieldsFunc(body[w.end:min(len(body), w.end+24)], isWordSeparator)
	for i := 0; i < len(after) && i < 2; i++ {
		if qualifiers[fold(after[i])] {
			return true
		}
	}
	return false
}

func isWordSeparator(r rune) bool {
	return unicode.IsSpace(r) || r == '-' || r == '\''
}

// keywordUse is the relation of a candidate to its keyword.
type keywordUse struct {
	// introduced is true when the candidate follows the keyword with only
	// punctuation or a verb such as "is" between ("Your code: 2024").
	introduced bool
}

// keywordContext reports whether candidate c starts within windowAfter
// after the end of a keyword, or ends within windowBefore before a
// keyword in the same sentence. Keywords are in order and do not
// overlap, so only the last keyword before c and the first after it
// need checking.
func keywordContext(body string, c chain, keywords []span) (keywordUse, bool) {
	i, _ := slices.BinarySearchFunc(keywords, c.start, func(k span, start int) int {
		return cmp.Compare(k.start, start)
	})
	if i > 0 {
		prev := keywords[i-1]
		if c.start >= prev.end && c.start-prev.end <= windowAfter {
			gap := body[prev.end:c.start]
			return keywordUse{introduced: len(gap) <= introWindow && introGap.MatchString(gap)}, true
		}
	}
	if i < len(keywords) {
		next := keywords[i]
		if c.end <= next.start && next.start-c.end <= windowBefore && !strings.ContainsAny(body[c.end:next.start], ".!?") {
			return keywordUse{}, true
		}
	}
	return keywordUse{}, false
}

// claimedByLabel reports whether a label such as "Order" or "Tel.", or a
// qualified keyword such as "promo code", comes right before the
// candidate at start on its line.
func claimedByLabel(body string, start int, qualified []span) bool {
	from := max(0, start-labelWindow)
	if nl := strings.LastIndexByte(body[from:start], '\n'); nl >= 0 {
		from += nl + 1
	}
	line := body[from:start]
	if labels := labelPattern.FindAllStringIndex(line, -1); len(labels) > 0 {
		last := labels[len(labels)-1]
		if labelFiller.MatchString(line[last[1]:]) {
			return true
		}
	}
	for _, q := range qualified {
		if q.end >= from && q.end <= start && labelFiller.MatchString(body[q.end:start]) {
			return true
		}
	}
	return false
}

// standsAlone reports whether the candidate is not part of a longer
// word, number, date, time, price, address or identifier.
func standsAlone(body string, c chain) bool {
	return !touchesWord(body, c.start, c.end) && !partOfNumber(body, c) && !isPrice(body, c.start, c.end)
}

// touchesWord reports whether a letter outside ASCII (such as "ü" in
// "für2024") directly joins the candidate, so that it is part of a word.
func touchesWord(body string, start, end int) bool {
	before, after := runeBefore(body, start), runeAfter(body, end)
	return unicode.IsLetter(before) || unicode.IsLetter(after) || before == '_' || after == '_'
}

// partOfNumber reports whether the candidate continues a number or an
// identifier through a separator: a date (04.12.2026), a time (10:30), a
// decimal (1.234,56), a phone number (+49 30 1234567), an id (#1234,
// n°1234) or an address (a1b2@example.test).
func partOfNumber(body string, c chain) bool {
	before := body[:c.start]
	after := body[c.end:]
	for _, prefix := range []string{"+", "#", "№", "°", "@"} {
		if strings.HasSuffix(before, prefix) {
			return true
		}
	}
	if strings.HasPrefix(after, "@") {
		return true
	}
	const separators = "./:-,=&?\\"
	if len(before) >= 2 && strings.IndexByte(separators, before[len(before)-1]) >= 0 && isAlnum(before[len(before)-2]) && !isLetterPrefix(before) {
		return true
	}
	if len(after) >= 2 && strings.IndexByte(separators, after[0]) >= 0 && isAlnum(after[1]) {
		return true
	}
	// Digit groups separated by spaces that did not join into a code are
	// a phone number or an amount ("0800 5551234", "1 234 567").
	if isDigits(c.value) {
		b := strings.TrimRightFunc(before, isHorizontalSpace)
		if len(b) < len(before) && len(b) > 0 && isDigit(b[len(b)-1]) {
			return true
		}
		a := strings.TrimLeftFunc(after, isHorizontalSpace)
		if len(a) < len(after) && len(a) > 0 && isDigit(a[0]) {
			return true
		}
	}
	return false
}

// isLetterPrefix reports whether before ends in a lone capital letter and
// a hyphen, as senders prefix codes with their initial ("G-482913").
func isLetterPrefix(before string) bool {
	n := len(before)
	if n < 2 || before[n-1] != '-' || before[n-2] < 'A' || before[n-2] > 'Z' {
		return false
	}
	return n == 2 || !isWordByte(before[n-3])
}

// currencies are the symbols and codes that make a number a price.
var currencies = []string{"$", "€", "£", "¥", "EUR", "USD", "GBP", "CHF", "R$"}

// isPrice reports whether a currency symbol or code is right before
// or after the candidate, with at most one space between.
func isPrice(body string, start, end int) bool {
	before := strings.TrimSuffix(body[:start], " ")
	after := strings.TrimPrefix(body[end:], " ")
	for _, c := range currencies {
		if strings.HasSuffix(before, c) || strings.HasPrefix(after, c) {
			return true
		}
	}
	return strings.HasPrefix(after, "%")
}

// endsLine reports whether only spaces and a sentence end follow the
// candidate on its line.
func endsLine(body string, end int) bool {
	rest := strings.TrimLeftFunc(body[end:], isHorizontalSpace)
	rest = strings.TrimLeft(rest, ".!")
	return rest == "" || unicode.IsSpace(runeAfter(rest, 0))
}

func runeBefore(s string, i int) rune {
	r, size := utf8.DecodeLastRuneInString(s[:i])
	if size == 0 {
		return ' '
	}
	return r
}

func runeAfter(s string, i int) rune {
	r, size := utf8.DecodeRuneInString(s[i:])
	if size == 0 {
		return ' '
	}
	return r
}
