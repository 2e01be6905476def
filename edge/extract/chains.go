package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Code lengths, counted without the separators of a split code.
const (
	minCodeLen = 4
	maxCodeLen = 8
	// minSplitLen is the shortest code written in groups of two or more
	// characters: "12 34" or "10-30" is more often a time or a date than
	// a code, while "1 2 3 4" in separate cells is a code.
	minSplitLen = 6
	// minLettersLen is the shortest code of letters alone, because
	// shorter capitalized words ("CODE", "FREE") are common in mail.
	minLettersLen = 6
)

// chain is a candidate code: one token, or several tokens of the same
// length split by spaces or hyphens that read as one code.
type chain struct {
	start, end int // byte offsets in the body, separators included
	value      string
}

// findChains returns the candidate codes of body in order. Tokens that
// join into a run which cannot be a code ("0800 555 1234",
// "2026-12-04") are left out together, so that no part of a phone number
// or a date is taken alone.
func findChains(body string) []chain {
	tokens := findTokens(body)
	var out []chain
	for i := 0; i < len(tokens); {
		j := i + 1
		for j < len(tokens) && joins(body, tokens[j-1], tokens[j], tokens[i].len()) {
			j++
		}
		if c, ok := joinTokens(body, tokens[i:j]); ok {
			out = append(out, c)
		}
		i = j
	}
	return out
}

// findTokens returns the runs of ASCII letters and digits in body as
// byte offsets.
func findTokens(body string) []span {
	var out []span
	for i := 0; i < len(body); {
		if !isAlnum(body[i]) {
			i++
			continue
		}
		start := i
		for i < len(body) && isAlnum(body[i]) {
			i++
		}
		out = append(out, span{start, i})
	}
	return out
}

// joinTokens builds the chain of tokens and reports whether it can be a
// code at all.
func joinTokens(body string, tokens []span) (chain, bool) {
	c := chain{start: tokens[0].start, end: tokens[len(tokens)-1].end}
	if len(tokens) == 1 {
		c.value = body[c.start:c.end]
	} else {
		var value strings.Builder
		for _, t := range tokens {
			value.WriteString(body[t.start:t.end])
		}
		c.value = value.String()
	}
	if len(c.value) < minCodeLen || len(c.value) > maxCodeLen {
		return c, false
	}
	if len(tokens) > 1 && tokens[0].len() > 1 && len(c.value) < minSplitLen {
		return c, false
	}
	if len(tokens) == 3 && len(c.value) == 6 && isDigits(c.value) && isHyphen(body[tokens[0].end:tokens[1].start]) {
		// Three pairs of digits between hyphens are a date ("04-12-26").
		return c, false
	}
	if len(tokens) == 2 && shapeOf(body[tokens[0].start:tokens[0].end]) == shapeYear && shapeOf(body[tokens[1].start:tokens[1].end]) == shapeYear {
		// Two years are a range ("2024-2025", "2024 2025").
		return c, false
	}
	return c, true
}

// joins reports whether token b continues the code that token a belongs
// to. Both must have the length of the chain's first token (groupLen),
// and the gap between them must be one a code is split by:
//   - a single hyphen: "K7Q-2MX", "123-456";
//   - up to four horizontal spaces (space, tab, no-break or thin space)
//     between digit groups, between groups of capitals and digits that
//     each hold a digit ("K7Q 2MX"), or between single characters;
//   - any short white space, line breaks included, between single
//     characters, as in big-digit mail that puts each digit in a block.
func joins(body string, a, b span, groupLen int) bool {
	if b.len() != groupLen {
		return false
	}
	gap := body[a.end:b.start]
	if isHyphen(gap) {
		return true
	}
	left, right := body[a.start:a.end], body[b.start:b.end]
	switch {
	case groupLen == 1:
		return isSpaceGap(gap, true)
	case isDigits(left) && isDigits(right):
		return isSpaceGap(gap, false)
	case isCapsGroup(left) && isCapsGroup(right):
		return isSpaceGap(gap, false)
	}
	return false
}

func isHyphen(gap string) bool {
	switch gap {
	case "-", "\u2010", "\u2011":
		return true
	}
	return false
}

// isSpaceGap reports whether gap is white space a split code may contain:
// at most four horizontal space characters, or, with lineBreaks, at most
// sixteen bytes of any white space.
func isSpaceGap(gap string, lineBreaks bool) bool {
	if gap == "" {
		return false
	}
	if lineBreaks && len(gap) <= 16 && strings.TrimFunc(gap, unicode.IsSpace) == "" {
		return true
	}
	return utf8.RuneCountInString(gap) <= 4 && strings.TrimFunc(gap, isHorizontalSpace) == ""
}

func isHorizontalSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\u00a0', '\u2007', '\u2009', '\u202f':
		return true
	}
	return false
}

// isCapsGroup reports whether s has a digit and no lower-case letter.
func isCapsGroup(s string) bool {
	return hasDigit(s) && isUpperOrDigits(s)
}

// shape is the kind of code that a candidate's characters alone suggest.
type shape int

const (
	shapeNone    shape = iota // not a code
	shapeCode                 // digits, or letters and digits as codes mix them
	shapeYear                 // four digits from 1900 to 2099
	shapeLetters              // 6 to 8 capital letters: a code only when introduced
)

// shapeOf classifies a candidate of 4 to 8 ASCII letters and digits.
// Letters mixed with digits are a code when they are capitals
// ("K7Q2MX") or when letters and digits alternate at least twice
// ("aB3dE9", "x7k2p9"): a word followed by a number ("iPhone15",
// "Win10") is a name, not a code. Letters alone are a word unless they
// are 6 to 8 capitals ("KQXMZT").
func shapeOf(s string) shape {
	switch {
	case isDigits(s) && len(s) == 4 && (s[:2] == "19" || s[:2] == "20"):
		return shapeYear
	case isDigits(s):
		return shapeCode
	case hasDigit(s) && (isUpperOrDigits(s) || letterDigitChanges(s) >= 2):
		return shapeCode
	case !hasDigit(s) && isUpperOrDigits(s) && len(s) >= minLettersLen:
		return shapeLetters
	}
	return shapeNone
}

// letterDigitChanges counts how often s switches between letters and
// digits.
func letterDigitChanges(s string) int {
	changes := 0
	for i := 1; i < len(s); i++ {
		if isDigit(s[i]) != isDigit(s[i-1]) {
			changes++
		}
	}
	return changes
}

func hasDigit(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
}

func isDigits(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

func isUpperOrDigits(s string) bool {
	return !strings.ContainsFunc(s, unicode.IsLower)
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isAlnum(b byte) bool {
	return isDigit(b) || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
}
