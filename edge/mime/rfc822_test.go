package mime

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// innerMessage is a forwarded message with its own text, HTML and
// attachment, none of which may leak into the message that carries it.
func innerMessage(subject string) string {
	return "From: Carol <carol@example.test>\r\n" +
		"Subject: " + subject + "\r\n" +
		"Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n" +
		"--inner\r\nContent-Type: multipart/alternative; boundary=\"inner-alt\"\r\n\r\n" +
		"--inner-alt\r\nContent-Type: text/plain\r\n\r\nInner text that stays inside.\r\n" +
		"--inner-alt\r\nContent-Type: text/html\r\n\r\n<p>Inner HTML <img src=\"cid:chart@example.test\"></p>\r\n" +
		"--inner-alt--\r\n" +
		"--inner\r\nContent-Type: application/pdf; name=\"inner.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n" +
		"--inner--"
}

// attachedMessage builds a message that forwards innerMessage(subject) as
// a message/rfc822 part, with the declared file name filename if not "",
// followed by an image whose Content-ID the inner HTML references.
func attachedMessage(subject, filename string) []byte {
	part := "Content-Type: message/rfc822\r\n\r\n"
	if filename != "" {
		part = "Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=\"" + filename + "\"\r\n\r\n"
	}
	return []byte("From: Alice <alice@example.test>\r\nSubject: Fwd: report\r\n" +
		"Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" +
		"--outer\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the forwarded message.\r\n" +
		"--outer\r\n" + part + innerMessage(subject) + "\r\n" +
		"--outer\r\nContent-Type: image/png\r\nContent-ID: <chart@example.test>\r\n" +
		"Content-Disposition: attachment; filename=\"chart.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n" +
		"--outer--\r\n")
}

// nestedMessage builds multiparts nested depth deep. Each level holds an
// image named after its level, then the next level; the deepest holds text.
func nestedMessage(depth int) []byte {
	var b strings.Builder
	b.WriteString("Subject: nested\r\n")
	for level := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", level)
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: image/gif; name=\"level-%d.gif\"\r\n\r\nGIF89a\r\n", level, level)
		fmt.Fprintf(&b, "--b%d\r\n", level)
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep text\r\n")
	for level := depth - 1; level >= 0; level-- {
		fmt.Fprintf(&b, "--b%d--\r\n", level)
	}
	return []byte(b.String())
}

func TestParse_AttachedMessageIsOneAttachment(t *testing.T) {
	raw := attachedMessage("=?UTF-8?Q?Quartalsbericht_3/2025?=", "")
	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	assertEqual(t, "text", msg.Text, "See the forwarded message.")
	assertEqual(t, "HTML", msg.HTML, "")
	if len(msg.Attachments) != 2 {
		t.Fatalf("attachments: got %+v, want the attached message and the image", msg.Attachments)
	}
	inner := innerMessage("=?UTF-8?Q?Quartalsbericht_3/2025?=")
	assertEqual(t, "attached message", msg.Attachments[0], Attachment{
		Index: 0, Filename: "Quartalsbericht 3_2025.eml", ContentType: "message/rfc822", Size: int64(len(inner)),
	})
	// The inner HTML references the image, but the inner HTML is not shown.
	assertEqual(t, "image", msg.Attachments[1], Attachment{
		Index: 1, Filename: "chart.png", ContentType: "image/png", Size: 8, ContentID: "chart@example.test",
	})

	_, content, err := AttachmentContent(raw, 0)
	if err != nil {
		t.Fatalf("AttachmentContent: %v", err)
	}
	assertEqual(t, "attached message content", string(content), inner)
	assertEqual(t, "has attachments", Summarize(raw).HasAttachments, true)
}

func TestParse_AttachedMessageNames(t *testing.T) {
	long := strings.Repeat("Lorem ipsum ", 40)
	tests := []struct {
		name     string
		raw      []byte
		filename string
	}{
		{"declared file name", attachedMessage("ignored", "forwarded.eml"), "forwarded.eml"},
		{"plain subject", attachedMessage("Your order", ""), "Your order.eml"},
		{"encoded subject", attachedMessage("=?ISO-8859-1?Q?Gr=FC=DFe?=", ""), "Grüße.eml"},
		{"no subject", attachedMessage("", ""), "attachment-0.eml"},
		{"subject with path characters", attachedMessage(`..\..\etc/passwd`, ""), "_.._etc_passwd.eml"},
		{"long subject", attachedMessage(long, ""), strings.TrimSpace(long[:maxFilenameBytes-len(".eml")]) + ".eml"},
		{"base64 attached message", base64AttachedMessage("Encoded inside"), "Encoded inside.eml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := Parse(tt.raw)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(msg.Attachments) == 0 {
				t.Fatalf("attachments: got none, want the attached message")
			}
			assertEqual(t, "filename", msg.Attachments[0].Filename, tt.filename)
			assertEqual(t, "content type", msg.Attachments[0].ContentType, "message/rfc822")
			checkOpenAttachment(t, tt.raw, 0)
		})
	}
}

// base64AttachedMessage forwards a message as a base64 message/rfc822 part,
// which RFC 2046 §5.2.1 forbids but some mailers write.
func base64AttachedMessage(subject string) []byte {
	encoded := base64.StdEncoding.EncodeToString([]byte(innerMessage(subject)))
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n")
	b.WriteString("--outer\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	for len(encoded) > 76 {
		b.WriteString(encoded[:76] + "\r\n")
		encoded = encoded[76:]
	}
	b.WriteString(encoded + "\r\n--outer--\r\n")
	return []byte(b.String())
}

func TestParse_NestedMultipartsAtAnyDepth(t *testing.T) {
	const depth = 12
	raw := nestedMessage(depth)
	msg, err := Parse(raw)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}

	assertEqual(t, "text", msg.Text, "deep text")
	if len(msg.Attachments) != depth {
		t.Fatalf("attachments: got %d, want one per level, %d", len(msg.Attachments), depth)
	}
	for i, a := range msg.Attachments {
		assertEqual(t, "filename", a.Filename, fmt.Sprintf("level-%d.gif", i))
		assertEqual(t, "index", a.Index, i)
	}
	_, content, err := AttachmentContent(raw, depth-1)
	if err != nil || !bytes.Equal(content, []byte("GIF89a")) {
		t.Errorf("deepest attachment: got %q (err %v), want %q", content, err, "GIF89a")
	}
}
