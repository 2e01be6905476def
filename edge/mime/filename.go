package mime

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxFilenameBytes bounds a file name. Common file systems allow 255 bytes.
const maxFilenameBytes = 255

// attachmentFilename returns the file name an entity declares: the
// Content-Disposition filename, else the Content-Type name (RFC 2183 §2.3,
// and the older RFC 1341 parameter). RFC 2231 continuations and charsets and
// RFC 2047 encoded-words are already decoded by parseHeaderParams.
func attachmentFilename(dispositionParams, typeParams map[string]string) string {
	if name := sanitizeFilename(dispositionParams["filename"]); name != "" {
		return name
	}
	return sanitizeFilename(typeParams["name"])
}

// sanitizeFilename makes a declared file name safe to offer for download and
// to put in a Content-Disposition header. It removes control and
// bidirectional formatting characters. It keeps only the part after the last
// "/" or "\", because RFC 2183 §2.3 tells receivers not to respect directory
// path information. Leading dots and surrounding white space are trimmed so
// the name is neither hidden nor "..".
func sanitizeFilename(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidiControl(r) {
			return -1
		}
		return r
	}, name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	name = strings.TrimSpace(strings.TrimLeft(name, "."))
	return truncateFilename(name, maxFilenameBytes)
}

// truncateFilename shortens name to at most limit bytes on a rune boundary,
// keeping a short extension.
func truncateFilename(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
		ext = name[i:]
		name = name[:i]
	}
	cut := limit - len(ext)
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + ext
}

// isBidiControl reports the Unicode bidirectional formatting characters,
// which can disguise an extension ("invoice\u202Efdp.exe").
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0x200E || r == 0x200F || r == 0x061C
}

// generatedFilename names an attachment that declares no name, from its
// index and media type, such as "attachment-1.png".
func generatedFilename(index int, mediaType string) string {
	return fmt.Sprintf("attachment-%d%s", index, extensionFor(mediaType))
}

// extensionFor returns a file extension for common media types. It does not
// use mime.ExtensionsByType, whose result depends on the host's mime.types.
func extensionFor(mediaType string) string {
	switch mediaType {
	case "image/png":
		return ".png"
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "image/svg+xml":
		return ".svg"
	case "application/pdf":
		return ".pdf"
	case "application/zip":
		return ".zip"
	case "application/json":
		return ".json"
	case "text/html":
		return ".html"
	case "text/calendar":
		return ".ics"
	case "text/csv":
		return ".csv"
	case "message/rfc822":
		return ".eml"
	}
	if strings.HasPrefix(mediaType, "text/") || strings.HasPrefix(mediaType, "message/") {
		return ".txt"
	}
	return ".bin"
}
