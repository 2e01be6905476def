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
			name: "french reset",
			html: `<a href="https://example.test/compte/reinitialiser?x=1">Réinitialiser</a><a href="https://example.test/reset-password/77">ici</a>`,
			want: []Link{
				{URL: "https://example.test/compte/reinitialiser?x=1"},
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
