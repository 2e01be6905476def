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
		{"html only", "", `<html><body><p>Your security code</p><p style="font-size:24px"><b>274019</b></p><p>Sent on 12/04/2026</p></body></html>`, []string{"274019"}},
		{"text and html agree", "Your code: 112358", `<p>Your code: <strong>112358</strong></p>`, []string{"112358"}},
		{"two codes", "Your code is 401122. If that fails, use backup code 7781XQ.", "", []string{"401122", "7781XQ"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codeValues(Codes(tt.text, tt.html))
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := codeValues(Codes(tt.text, "")); len(got) != 0 {
				t.Errorf("got %q, want no codes", got)
			}
		})
	}
}
