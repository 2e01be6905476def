package extract_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mayfly-mail/mayfly/edge/extract"
	"github.com/mayfly-mail/mayfly/edge/mime"
)

// mailCases are the expected codes and first verification link of each
// message in testdata/mails.
var mailCases = []struct {
	file      string
	codes     []string
	firstLink string // "" when no link is a verification link
}{
	{"plain-english.eml", []string{"482913"}, "https://app.loopwise.example.com/verify-email?token=Zk3n29aQpL81mX0v"},
	{"html-only-tracked-button.eml", nil, "https://click.pinecart-mail.example.net/ls/click?upn=Q8a1&url=https%3A%2F%2Fwww.pinecart.example.org%2Faccount%2Fconfirm%3Ft%3D7Hq2LmW9xC4v"},
	{"alternative-english.eml", []string{"731904"}, "https://orbitly.example.net/account/reset-password?token=c81bX93kqPz0"},
	{"german-quoted-printable.eml", []string{"552019"}, "https://konto.beispielbank.example.com/registrierung/bestaetigen?code=9aKx2Lm0Qw7z"},
	{"french-base64-html.eml", []string{"804213"}, "https://go.rivelo-mail.example.net/r/aHR0cHM6Ly9jb21wdGUucml2ZWxvLmV4YW1wbGUub3JnL3ZlcmlmaWVyP2pldG9uPVA0eDlLcTJ3"},
	{"subject-code.eml", []string{"123456"}, ""},
	{"subject-alphanumeric.eml", []string{"K7Q2MX"}, "https://gridnote.example.net/auth/magic?token=Yt5r4E3w2Q1a9Zx8"},
	{"big-digit-table.eml", []string{"390275"}, "https://links.marlowe-mail.example.net/e/click?target=https%3A%2F%2Fmarlowe.example.com%2Faccount%2Fverify%3Fcode%3D390275%26uid%3D88f1c2&sig=a2"},
	{"big-digit-spans.eml", []string{"W4T8N2"}, ""},
	{"spanish-phone.eml", []string{"381207"}, "https://caminito.example.com/cuenta/confirmar?token=Vb7Nm2Qx9Lk4"},
	{"italian-price.eml", []string{"661042"}, "https://bottegalumi.example.org/conferma-email/Qm8sK2pX7zR1"},
	{"portuguese-order.eml", []string{"290381"}, "https://arvoredo.example.net/ativar-conta?token=Hs82kLq0Pz7m"},
	{"dutch-alternative.eml", []string{"918273"}, "https://fietsmaatje.example.com/account/bevestigen/7Gh3Kq9Lw2Xc"},
	{"order-date-price.eml", []string{"605118"}, "https://quillstack.example.org/orders/77123401/confirm?k=Tq8Zp2Lm5Xc1"},
	{"phone-numbers.eml", []string{"247103"}, ""},
	{"reset-password.eml", nil, "https://cobaltnotes.example.net/password/reset/8Jk2mQ9zX4vB7nL1"},
	{"magic-link-tracked.eml", nil, "https://t.threadbare-mail.example.net/CL0/https:%2F%2Fthreadbare.example.com%2Flogin%2Fcallback%3Ftoken%3DeyJ0eXAiOiJKV1QifQ.x9Qa/1/0100018f-7e2c"},
	{"mixed-case-code.eml", []string{"aB3dE9"}, ""},
	{"copyright-footer.eml", []string{"905521"}, ""},
	{"many-tracked-links.eml", nil, "https://sproutly.example.net/verify?token=Rr5t6Y7u8I9o0P1a"},
	{"otp-with-reference.eml", []string{"5531"}, ""},
	{"invitation.eml", nil, "https://teamhub.example.org/invite/accept?token=Lp0Ok9Ij8Uh7Yg6T"},
	{"capital-letters-code.eml", []string{"KQXMZT"}, ""},
	{"german-digit-cells.eml", []string{"8416"}, ""},
	{"letter-prefix.eml", []string{"482913"}, ""},
	{"two-verification-links.eml", nil, "https://app.ridgeline.example.org/verify-email?t=Zz98Yy76Xx54Ww32"},
	{"german-one-time-password.eml", []string{"834712"}, ""},
}

// TestMails_CodeAndFirstLink parses each message of testdata/mails with
// edge/mime, as the public API does, and checks the codes and the first
// verification link that a script would take.
func TestMails_CodeAndFirstLink(t *testing.T) {
	for _, tt := range mailCases {
		t.Run(tt.file, func(t *testing.T) {
			m := parseMail(t, tt.file)

			var codes []string
			for _, c := range extract.Codes(m.Headers.Subject, m.Text, m.HTML) {
				codes = append(codes, c.Value)
			}
			if !slices.Equal(codes, tt.codes) {
				t.Errorf("got codes %q, want %q", codes, tt.codes)
			}

			if got := firstVerificationLink(extract.Links(m.Text, m.HTML)); got != tt.firstLink {
				t.Errorf("got first verification link %q, want %q", got, tt.firstLink)
			}
		})
	}
}

// TestMails_AllCovered keeps mailCases in step with testdata/mails.
func TestMails_AllCovered(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "mails", "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, c := range mailCases {
		listed[c.file] = true
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("got %s in testdata/mails without an expected result in mailCases", filepath.Base(f))
		}
	}
	if len(files) != len(mailCases) {
		t.Errorf("got %d messages in testdata/mails, want %d as in mailCases", len(files), len(mailCases))
	}
}

func parseMail(t *testing.T, name string) *mime.Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "mails", name))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mime.Parse(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return m
}

func firstVerificationLink(links []extract.Link) string {
	for _, l := range links {
		if l.Verification {
			return l.URL
		}
	}
	return ""
}
