package extract

// Code is a one-time code found in a message.
type Code struct {
	// Value is the code as written, without the spaces or hyphens that
	// split it, such as "482913", "K7Q2MX" or "aB3dE9".
	Value string `json:"value"`
}

// Codes returns the one-time codes of a message: runs of 4 to 8 ASCII
// letters and digits near a keyword such as "code", "verification",
// "OTP" or "PIN", or their German, French, Spanish, Italian, Portuguese or
// Dutch counterparts. Codes split by spaces or hyphens ("123 456",
// "K7Q-2MX", one digit per table cell) are returned joined.
//
// The subject is searched first, then the text body, then the visible
// text of html: a code that a sender puts in the subject is the one it
// wants seen, while a body may also carry backup or reference numbers.
// Within each part the codes are in order of appearance. The result has
// no duplicates and is nil when there is none.
//
// Left out are numbers that look like dates, times, prices, phone numbers,
// order or customer numbers, promotion codes, words, and years. A year
// from 1900 to 2099 counts only when a keyword introduces it directly
// ("code: 2024", never "code © 2024") and nothing else in the message is
// a code.
func Codes(subject, text, html string) []Code {
	var found, years []string
	for _, part := range []string{truncate(subject), truncate(text), parseHTML(html).text} {
		codes, yearCodes := codesIn(blankLinks(part))
		found = append(found, codes...)
		years = append(years, yearCodes...)
	}
	if len(found) == 0 {
		found = years
	}

	var out []Code
	seen := map[string]bool{}
	for _, value := range found {
		if !seen[value] {
			seen[value] = true
			out = append(out, Code{Value: value})
		}
	}
	return out
}

// codesIn returns the codes of body near a keyword in order, and apart
// from them the year-shaped ones that a keyword introduces directly.
func codesIn(body string) (codes, years []string) {
	keywords, qualified := findKeywords(body)
	if len(keywords) == 0 {
		return nil, nil
	}
	for _, c := range findChains(body) {
		ctx, ok := keywordContext(body, c, keywords)
		if !ok || !standsAlone(body, c) || claimedByLabel(body, c.start, qualified) {
			continue
		}
		switch shapeOf(c.value) {
		case shapeCode:
			codes = append(codes, c.value)
		case shapeYear:
			if ctx.introduced {
				years = append(years, c.value)
			}
		case shapeLetters:
			// NOTE: a capitalized word that a keyword introduces on its own
			// line ("Your code:\nWELCOME") passes too, because telling it
			// from a random code would need a dictionary.
			if ctx.introduced && endsLine(body, c.end) {
				codes = append(codes, c.value)
			}
		}
	}
	return codes, years
}
