package extract

import (
	"slices"
	"testing"
)

func TestLinks_FindsAndClassifies(t *testing.T) {
	tests := []struct {
		name string
		text string
		html string
		want []Link
	}{
		{
			name: "english confirm in text",
			text: "Confirm your address: https://app.example.test/confirm-email?token=abc123.\r\nHelp: https://example.test/help",
			want: []Link{
				{URL: "https://app.example.test/confirm-email?token=abc123", Verification: true},
				{URL: "https://example.test/help"},
			},
		},
		{
			name: "magic sign-in link",
			text: "Click to sign in (https://example.test/auth/magic/Zx81kq)",
			want: []Link{{URL: "https://example.test/auth/magic/Zx81kq", Verification: true}},
		},
		{
			name: "html anchor text decides",
			html: `<p>Hallo!</p><a href="https://t.example.test/c/8812">E-Mail-Adresse bestätigen</a> <a href="https://example.test/impressum">Impressum</a>`,
			want: []Link{
				{URL: "https://t.example.test/c/8812", Verification: true},
				{URL: "https://example.test/impressum"},
			},
		},
		{
			name: "french reset ranked by anchor text",
			html: `<a href="https://example.test/reset-password/77">ici</a><a href="https://example.test/compte/reinitialiser?x=1">Réinitialiser</a>`,
			want: []Link{
				{URL: "https://example.test/compte/reinitialiser?x=1", Verification: true},
				{URL: "https://example.test/reset-password/77", Verification: true},
			},
		},
		{
			name: "spanish, dutch, italian, portuguese",
			text: "https://example.test/cuenta/confirmar/1 https://example.test/account/bevestigen/2 https://example.test/attiva/3 https://example.test/ativar-conta?senha=4",
			want: []Link{
				{URL: "https://example.test/cuenta/confirmar/1", Verification: true},
				{URL: "https://example.test/account/bevestigen/2", Verification: true},
				{URL: "https://example.test/attiva/3", Verification: true},
				{URL: "https://example.test/ativar-conta?senha=4", Verification: true},
			},
		},
		{
			name: "duplicates across text and html",
			text: "Activate: https://example.test/activate/9",
			html: `<a href="https://example.test/activate/9">Activate</a><a href="http://example.test/news">News</a>`,
			want: []Link{
				{URL: "https://example.test/activate/9", Verification: true},
				{URL: "http://example.test/news"},
			},
		},
		{
			name: "unsubscribe is not verification",
			html: `<a href="https://example.test/unsubscribe?confirm=1">Unsubscribe</a>`,
			want: []Link{{URL: "https://example.test/unsubscribe?confirm=1"}},
		},
		{
			name: "other schemes left out",
			html: `<a href="mailto:help@example.test">mail</a><a href="/relative">rel</a><a href="javascript:alert(1)">x</a>`,
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Links(tt.text, tt.html)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLinks_TrackingRedirects(t *testing.T) {
	tests := []struct {
		name       string
		html       string
		wantTarget string
		wantVerify bool
	}{
		{
			name:       "url parameter",
			html:       `<a href="https://click.mailer.example.net/ls/click?url=https%3A%2F%2Fapp.example.org%2Fverify%3Ftoken%3Dabc123">Go</a>`,
			wantTarget: "https://app.example.org/verify?token=abc123",
			wantVerify: true,
		},
		{
			name:       "short parameter name",
			html:       `<a href="https://t.example.net/c?u=https://app.example.org/account/confirm/8f3k2&id=77">here</a>`,
			wantTarget: "https://app.example.org/account/confirm/8f3k2",
			wantVerify: true,
		},
		{
			name:       "percent-encoded path segment",
			html:       `<a href="https://r.example.net/CL0/https:%2F%2Fapp.example.org%2Factivate%3Fk%3D99xy/1/0100018c-aa">Open</a>`,
			wantTarget: "https://app.example.org/activate?k=99xy",
			wantVerify: true,
		},
		{
			name:       "written-out path",
			html:       `<a href="https://r.example.net/r/https://app.example.org/magic/Zx81kq">Open</a>`,
			wantTarget: "https://app.example.org/magic/Zx81kq",
			wantVerify: true,
		},
		{
			name:       "base64 parameter",
			html:       `<a href="https://t.example.net/track?redirect=aHR0cHM6Ly9hcHAuZXhhbXBsZS5vcmcvdmVyaWZ5LWVtYWlsP3Q9MTIz">Open</a>`,
			wantTarget: "https://app.example.org/verify-email?t=123",
			wantVerify: true,
		},
		{
			name:       "nested wrappers",
			html:       `<a href="https://a.example.net/c?url=https%3A%2F%2Fb.example.net%2Fc%3Furl%3Dhttps%253A%252F%252Fapp.example.org%252Fconfirm">Open</a>`,
			wantTarget: "https://app.example.org/confirm",
			wantVerify: true,
		},
		{
			name:       "anchor text decides for wrapper",
			html:       `<a href="https://t.example.net/c?url=https://app.example.org/e/77281">Confirm your email</a>`,
			wantTarget: "https://app.example.org/e/77281",
			wantVerify: true,
		},
		{
			name:       "wrapped unsubscribe",
			html:       `<a href="https://t.example.net/c?url=https://app.example.org/unsubscribe%3Fconfirm%3D1">Confirm</a>`,
			wantTarget: "https://app.example.org/unsubscribe?confirm=1",
		},
		{
			name:       "wrapped social link",
			html:       `<a href="https://t.example.net/c?url=https://www.linkedin.com/company/acme-verify">Follow us</a>`,
			wantTarget: "https://www.linkedin.com/company/acme-verify",
		},
		{
			name: "same-host next is not a redirect",
			html: `<a href="https://app.example.org/login?next=https://app.example.org/dashboard">Log in</a>`,
		},
		{
			name: "redirect_uri is not a redirect",
			html: `<a href="https://id.example.org/authorize?redirect_uri=https://app.example.org/cb">Sign in</a>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Links("", tt.html)
			if len(got) != 1 {
				t.Fatalf("got %d links %+v, want 1", len(got), got)
			}
			if got[0].Target != tt.wantTarget {
				t.Errorf("got target %q, want %q", got[0].Target, tt.wantTarget)
			}
			if got[0].Verification != tt.wantVerify {
				t.Errorf("got verification %v, want %v", got[0].Verification, tt.wantVerify)
			}
		})
	}
}

func TestLinks_Classification(t *testing.T) {
	tests := []struct {
		name   string
		html   string
		verify bool
	}{
		{"login page without token", `<a href="https://app.example.org/login">Log in</a>`, false},
		{"login link with token", `<a href="https://app.example.org/login?token=8f7a6b5c4d">Log in</a>`, true},
		{"sign-in with random path", `<a href="https://app.example.org/auth/9f8e7d6c5b4a3f2e1d0c">Sign in</a>`, true},
		{"german anchor", `<a href="https://app.example.org/x/1">Konto aktivieren</a>`, true},
		{"french anchor", `<a href="https://app.example.org/x/2">Vérifier mon adresse</a>`, true},
		{"spanish anchor", `<a href="https://app.example.org/x/3">Confirmar correo</a>`, true},
		{"italian anchor", `<a href="https://app.example.org/x/4">Conferma indirizzo</a>`, true},
		{"portuguese anchor", `<a href="https://app.example.org/x/5">Ativar conta</a>`, true},
		{"dutch anchor", `<a href="https://app.example.org/x/6">E-mailadres bevestigen</a>`, true},
		{"dutch password reset", `<a href="https://app.example.org/wachtwoord/herstellen?t=1a2b3c4d">hier</a>`, true},
		{"privacy", `<a href="https://app.example.org/privacy">Privacy</a>`, false},
		{"german privacy", `<a href="https://app.example.org/datenschutz">Datenschutz</a>`, false},
		{"french unsubscribe", `<a href="https://app.example.org/u/1">Se désinscrire</a>`, false},
		{"german unsubscribe", `<a href="https://app.example.org/newsletter/abmelden?confirm=1">Abmelden</a>`, false},
		{"preferences", `<a href="https://app.example.org/email-preferences?verify=1">Manage preferences</a>`, false},
		{"help article", `<a href="https://app.example.org/help/why-verify">Why do we verify?</a>`, false},
		{"social", `<a href="https://twitter.com/acme/status/verify">Twitter</a>`, false},
		{"verify host only", `<a href="https://verify.example.org/news">News</a>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Links("", tt.html)
			if len(got) != 1 {
				t.Fatalf("got %d links %+v, want 1", len(got), got)
			}
			if got[0].Verification != tt.verify {
				t.Errorf("got verification %v, want %v", got[0].Verification, tt.verify)
			}
		})
	}
}

func TestLinks_Order(t *testing.T) {
	tests := []struct {
		name string
		text string
		html string
		want []string
	}{
		{
			name: "confirm button before login footer",
			html: `<a href="https://app.example.org/home">Acme</a>
				<a href="https://app.example.org/login?token=abc123def456">Log in</a>
				<a href="https://app.example.org/e/confirm?t=Zk29aQ81">Confirm your email</a>
				<a href="https://app.example.org/unsubscribe">Unsubscribe</a>`,
			want: []string{
				"https://app.example.org/home",
				"https://app.example.org/e/confirm?t=Zk29aQ81",
				"https://app.example.org/login?token=abc123def456",
				"https://app.example.org/unsubscribe",
			},
		},
		{
			name: "direct link before wrapper of the same link",
			html: `<a href="https://t.example.net/c?url=https://app.example.org/verify/77a">Verify</a>
				<p>Or paste: https://app.example.org/verify/77a</p>`,
			want: []string{
				"https://app.example.org/verify/77a",
				"https://t.example.net/c?url=https://app.example.org/verify/77a",
			},
		},
		{
			name: "anchor text outranks bare link",
			text: "Activate: https://app.example.org/activate/1\nhttps://app.example.org/about",
			html: `<a href="https://app.example.org/activate/2">Activate</a>`,
			want: []string{
				"https://app.example.org/activate/2",
				"https://app.example.org/about",
				"https://app.example.org/activate/1",
			},
		},
		{
			name: "equal links keep order of appearance",
			text: "https://app.example.org/about https://app.example.org/activate/3 https://app.example.org/activate/1",
			want: []string{
				"https://app.example.org/about",
				"https://app.example.org/activate/3",
				"https://app.example.org/activate/1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, l := range Links(tt.text, tt.html) {
				got = append(got, l.URL)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
