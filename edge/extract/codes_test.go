package extract

import (
	"slices"
	"testing"
)

func codeValues(codes []Code) []string {
	var out []string
	for _, c := range codes {
		out = append(out, c.Value)
	}
	return out
}

func TestCodes_FindsCodes(t *testing.T) {
	tests := []struct {
		name string
		text string
		html string
		want []string
	}{
		{"english", "Hi,\r\n\r\nYour verification code is 482913. It expires in 10 minutes.\r\n", "", []string{"482913"}},
		{"code before keyword", "639201 is your Acme login code. Don't share it.", "", []string{"639201"}},
		{"alphanumeric", "Use the code K7Q2MX to finish signing in.", "", []string{"K7Q2MX"}},
		{"otp", "OTP: 5531\r\nValid for 5 minutes.", "", []string{"5531"}},
		{"pin", "Your PIN 90817 was requested on 04.12.2026 at 10:30.", "", []string{"90817"}},
		{"german", "Hallo,\r\nIhr Bestätigungscode lautet: 731904\r\nDer Code ist 15 Minuten gültig.", "", []string{"731904"}},
		{"french", "Bonjour,\r\nVotre code de vérification est le 204518.\r\nCe code expire dans 10 minutes.", "", []string{"204518"}},
		{"spanish", "Tu código de verificación es 881230. No lo compartas con nadie.", "", []string{"881230"}},
		{"italian", "Il tuo codice di verifica è 340912.", "", []string{"340912"}},
		{"portuguese", "Seu código de verificação: 550617", "", []string{"550617"}},
		{"dutch", "Je verificatiecode is 918273. Deze code verloopt over 10 minuten.", "", []string{"918273"}},
		{"letter prefix", "G-482913 is your verification code.", "", []string{"482913"}},
		{"one-time password", "Your one-time password: 55120934", "", []string{"55120934"}},
		{"html only", "", `<html><body><p>Your security code</p><p style="font-size:24px"><b>274019</b></p><p>Sent on 12/04/2026</p></body></html>`, []string{"274019"}},
		{"text and html agree", "Your code: 112358", `<p>Your code: <strong>112358</strong></p>`, []string{"112358"}},
		{"two codes", "Your code is 401122. If that fails, use backup code 7781XQ.", "", []string{"401122", "7781XQ"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codeValues(Codes("", tt.text, tt.html))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCodes_IgnoresLookalikes(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"no keyword", "Your order 558812 ships tomorrow."},
		{"year", "Verification code © 2026 Acme Inc."},
		{"date", "Your code was sent on 2026-12-04 and on 04.12.2026."},
		{"time", "Code requested at 1030:45."},
		{"phone", "Questions about your code? Call +49 30 1234567 or 0800 5551234."},
		{"price dollar", "Promo code: pay $1299 only."},
		{"price euro", "Gutscheincode gilt ab 1500 € Bestellwert."},
		{"percent", "Use the code for 2500% more fun."},
		{"too short", "Your code is 123."},
		{"too long", "Your code is 1234567890."},
		{"word", "Enter the code from the CODE BOOK."},
		{"product name", "Verify on your iPhone15 now."},
		{"inside link", "Verify here: https://example.test/verify?code=ABC12345"},
		{"order id", "Code for order ORDER-55123."},
		{"word prefix", "Code AB-482913 and x-4829."},
		{"password rules", "Your password needs 12 characters and was changed on 04.12.2026."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := codeValues(Codes("", tt.text, "")); len(got) != 0 {
				t.Errorf("got %q, want no codes", got)
			}
		})
	}
}

func TestCodes_Subject(t *testing.T) {
	tests := []struct {
		name    string
		subject string
		text    string
		want    []string
	}{
		{"code first", "123456 is your verification code", "Welcome to Acme.", []string{"123456"}},
		{"code after colon", "Your code: K7Q2MX", "", []string{"K7Q2MX"}},
		{"german subject", "Ihr Bestätigungscode lautet 731904", "", []string{"731904"}},
		{"subject before body", "Your Acme code is 401122", "Backup code: 7781XQ", []string{"401122", "7781XQ"}},
		{"same code once", "Your code is 401122", "Your code is 401122.", []string{"401122"}},
		{"subject without keyword", "Order 558812 confirmed", "Your code is 482913", []string{"482913"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codeValues(Codes(tt.subject, tt.text, ""))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCodes_SplitCodesJoined(t *testing.T) {
	tests := []struct {
		name string
		text string
		html string
		want []string
	}{
		{"space", "Your verification code is 123 456.", "", []string{"123456"}},
		{"hyphen", "Your verification code is 123-456.", "", []string{"123456"}},
		{"alphanumeric hyphen", "Use the code K7Q-2MX to sign in.", "", []string{"K7Q2MX"}},
		{"alphanumeric space", "Use the code K7Q 2MX to sign in.", "", []string{"K7Q2MX"}},
		{"groups of four", "PIN: 1234 5678", "", []string{"12345678"}},
		{"no-break space", "Code: 482\u00a0913", "", []string{"482913"}},
		{"single digits", "Your code: 1 2 3 4 5 6", "", []string{"123456"}},
		{"single letters and digits", "Your code:\nK 7 Q 2 M X\n", "", []string{"K7Q2MX"}},
		{"digit per cell", "", `<p>Your verification code</p><table><tr><td>4</td><td>8</td><td>2</td><td>9</td><td>1</td><td>3</td></tr></table>`, []string{"482913"}},
		{"digit per cell with spacers", "", "<p>Code</p><table><tr>\n  <td>4</td>\n  <td>&nbsp;</td>\n  <td>8</td><td>2</td><td>9</td></tr></table>", []string{"4829"}},
		{"digit per span", "", `<p>Your code</p><div><span>7</span> <span>3</span> <span>1</span> <span>9</span></div>`, []string{"7319"}},
		{"spans without space", "", `<p>Your code</p><div><span>7</span><span>3</span><span>1</span><span>9</span></div>`, []string{"7319"}},
		{"digit per block", "", `<p>Your code</p><div>5</div><div>5</div><div>0</div><div>6</div>`, []string{"5506"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codeValues(Codes("", tt.text, tt.html))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCodes_Shapes(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"mixed case kept as written", "Your verification code is aB3dE9.", []string{"aB3dE9"}},
		{"lower case and digits", "Your code: x7k2p9", []string{"x7k2p9"}},
		{"capital letters introduced", "Your code: KQXMZT", []string{"KQXMZT"}},
		{"capital letters on next line", "Your verification code is:\n\nKQXMZTA\n\nIt expires soon.", []string{"KQXMZTA"}},
		{"capital letters mid-sentence", "Enter the code KQXMZT to continue.", nil},
		{"capital letters before keyword", "WELCOME\nYour code follows.", nil},
		{"word", "Your code: Hello", nil},
		{"capitalized word", "Verification Account code", nil},
		{"short capitals", "Your code: ABCDE", nil},
		{"word and number", "Use the code on your Win10 or iPhone15.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codeValues(Codes("", tt.text, ""))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCodes_Years(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"introduced alone", "Your code: 2024", []string{"2024"}},
		{"introduced with verb", "Ihr Code ist 1987.", []string{"1987"}},
		{"copyright", "Verification code\n© 2024 Acme", nil},
		{"copyright after colon", "Code: © 2024", nil},
		{"other code wins", "Your code: 2024\nBackup code: 482913", []string{"482913"}},
		{"not introduced", "Your code was sent in 2024.", nil},
		{"year before keyword", "2024 code", nil},
		{"not a year", "Your code: 2124", []string{"2124"}},
		{"year range", "Your code is valid for the 2024-2025 season.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codeValues(Codes("", tt.text, ""))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCodes_NeighbouringNumbers(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"order number before", "Order 558812 received. Your verification code is 401122.", []string{"401122"}},
		{"order number after", "Your code is 401122\nOrder no. 558812", []string{"401122"}},
		{"code for order", "Your Acme code for order 5588 is 401122", []string{"401122"}},
		{"german order number", "Bestellnummer: 55881234\nIhr Code: 731904", []string{"731904"}},
		{"reference", "Your code expires soon. Reference: AB12CD34", nil},
		{"phone split", "Your code is 482913. Call 0800 555 1234 for help.", []string{"482913"}},
		{"phone label", "Questions about your code? Call us at 08001234", nil},
		{"phone spaced pairs", "Code 482913, Tel. 06 12 34 56 78", []string{"482913"}},
		{"price", "Your code 482913 unlocks 1 299 € off", []string{"482913"}},
		{"date", "Your code 482913 was sent on 04-12-26 at 10:30.", []string{"482913"}},
		{"iso date", "Code sent 2026-12-04: 482913", []string{"482913"}},
		{"hash id", "Ticket #55123 code 482913", []string{"482913"}},
		{"address", "Your code was sent to jo4821ab@example.test.", nil},
		{"promo code", "Use promo code SAVE2024 or Gutscheincode 4821AB.", nil},
		{"postal code", "Code postal 75001", nil},
		{"error code", "Error code 5001: your verification failed.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codeValues(Codes("", tt.text, ""))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
