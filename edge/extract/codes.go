package extract

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Code is a one-time code found in a message.
type Code struct {
	// Value is the code as written, such as "482913" or "K7Q2MX".
	Value string `json:"value"`
}

// Search windows around a keyword, in bytes: a code usually follows its
// keyword ("your code is 123456") and sometimes comes first ("123456 is
// your code").
const (
	windowAfter  = 80
	windowBefore = 40
)

// keywordPattern matches the words that announce a code. Short words are
// matched whole, so that "pin" does not match "spinning". Longer stems are
// matched inside words, so that "code" also finds "Bestätigungscode" and
// "verificatiecode".
var keywordPattern = regexp.MustCompile(`(?i)\b(?:otp|pin|tan|2fa|mfa)\b|code|codice|c[óo]digo|passcode|verif|bestätigung|einmalpasswort|kennwort|senha|contraseña|clave|wachtwoord|mot de passe`)

// candidatePattern matches a run of ASCII letters and digits. isCode then
// looks at the characters around it to reject dates, times, prices and
// parts of phone numbers.
var candidatePattern = regexp.MustCompile(`[A-Za-z0-9]+`)

// Codes returns the one-time codes of 4 to 8 digits or letters and digits
// that stand near a keyword such as "code", "verification", "OTP", "PIN"
// or their German, French, Spanish, Italian, Portuguese or Dutch
// counterparts. Numbers that look like years, dates, times, prices or
// parts of phone numbers are left out. The text body is searched first,
// then the visible text of html. The result is in order of appearance,
// without duplicates, and nil when there is none.
func Codes(text, html string) []Code {
	var out []Code
	seen := map[string]bool{}
	for _, body := range []string{truncate(text), parseHTML(html).text} {
		for _, value := range codesIn(blankLinks(body)) {
			if !seen[value] {
				seen[value] = true
				out = append(out, Code{Value: value})
			}
		}
	}
	return out
}

// codesIn returns the candidates of body near a keyword, in order.
func codesIn(body string) []string {
	keywords := keywordPattern.FindAllStringIndex(body, -1)
	if len(keywords) == 0 {
		return nil
	}
	var out []string
	for _, loc := range candidatePattern.FindAllStringIndex(body, -1) {
		if nearKeyword(loc, keywords) && isCode(body, loc[0], loc[1]) {
			out = append(out, body[loc[0]:loc[1]])
		}
	}
	return out
}

// nearKeyword reports whether a candidate starts within windowAfter after
// the end of a keyword or ends within windowBefore before its start.
// Keywords are in order of position and do not overlap, so only the last
// keyword before the candidate and the first after it need checking.
func nearKeyword(candidate []int, keywords [][]int) bool {
	i, _ := slices.BinarySearchFunc(keywords, candidate[0], func(k []int, start int) int {
		return cmp.Compare(k[0], start)
	})
	if i > 0 {
		prev := keywords[i-1]
		if candidate[0] >= prev[1] && candidate[0]-prev[1] <= windowAfter {
			return true
		}
	}
	if i < len(keywords) {
		next := keywords[i]
		if candidate[1] <= next[0] && next[0]-candidate[1] <= windowBefore {
			return true
		}
	}
	return false
}

// isCode reports whether body[start:end] has the shape of a one-time code
// and is not part of a longer number, date, time, price or word.
func isCode(body string, start, end int) bool {
	value := body[start:end]
	if len(value) < 4 || len(value) > 8 || !hasDigit(value) || looksLikeYear(value) {
		return false
	}
	if !isDigits(value) && !isUpperOrDigits(value) {
		// Mixed case with digits is a product name ("iPhone15"), not a code.
		return false
	}
	return !touchesWord(body, start, end) && !partOfNumber(body, start, end) && !isPrice(body, start, end)
}

func hasDigit(s string) bool {
	return strings.ContainsFunc(s, unicode.IsDigit)
}

func isDigits(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

func isUpperOrDigits(s string) bool {
	return !strings.ContainsFunc(s, unicode.IsLower)
}

// looksLikeYear reports whether s is a four-digit number from 1900 to
// 2099. NOTE: a real code in that range is missed, which is the price of
// not reporting the year of a copyright line or a date.
func looksLikeYear(s string) bool {
	return len(s) == 4 && isDigits(s) && (s[:2] == "19" || s[:2] == "20")
}

// touchesWord reports whether a letter outside ASCII (such as "ü" in
// "für2024") directly joins the candidate, so that it is part of a word.
func touchesWord(body string, start, end int) bool {
	before, after := runeBefore(body, start), runeAfter(body, end)
	return unicode.IsLetter(before) || unicode.IsLetter(after) || before == '_' || after == '_'
}

// partOfNumber reports whether the candidate continues a number through a
// separator: a date (04.12.2026, 2026-12-04, 12/04), a time (10:30), a
// decimal (1.234,56), a phone number (+49 30 1234567) or an id
// (ORDER-1234).
func partOfNumber(body string, start, end int) bool {
	before := body[:start]
	after := body[end:]
	if strings.HasSuffix(before, "+") || strings.HasSuffix(before, "#") {
		return true
	}
	if len(before) >= 2 && strings.ContainsRune("./:-,", rune(before[len(before)-1])) && isAlnum(before[len(before)-2]) {
		return true
	}
	if len(after) >= 2 && strings.ContainsRune("./:-,", rune(after[0])) && isAlnum(after[1]) {
		return true
	}
	// Digit groups separated by single spaces are a phone number or an
	// amount, not a code.
	if isDigits(body[start:end]) {
		if len(before) >= 2 && before[len(before)-1] == ' ' && isDigit(before[len(before)-2]) {
			return true
		}
		if len(after) >= 2 && after[0] == ' ' && isDigit(after[1]) {
			return true
		}
	}
	return false
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

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isAlnum(b byte) bool {
	return isDigit(b) || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
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
