package dnsserver

import (
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/miekg/dns"
)

// rcodeCounts counts the replies the server sent, by rcode. Over TCP the
// dns library answers packets it cannot parse or accept itself (FORMERR,
// NOTIMP), and those replies are not counted.
type rcodeCounts struct {
	// byRcode is indexed by rcode. BADVERS (16) is the largest rcode the
	// handler sends.
	byRcode [dns.RcodeBadVers + 1]atomic.Uint64
	other   atomic.Uint64
}

func (c *rcodeCounts) add(rcode int) {
	if rcode >= 0 && rcode < len(c.byRcode) {
		c.byRcode[rcode].Add(1)
		return
	}
	c.other.Add(1)
}

// attrs returns the non-zero counts as log attributes named after the
// rcode, such as noerror=12 nxdomain=3.
func (c *rcodeCounts) attrs() []any {
	var out []any
	for rcode := range c.byRcode {
		if n := c.byRcode[rcode].Load(); n > 0 {
			out = append(out, slog.Uint64(rcodeName(rcode), n))
		}
	}
	if n := c.other.Load(); n > 0 {
		out = append(out, slog.Uint64("other", n))
	}
	return out
}

// rcodeName returns the lower-case mnemonic of rcode. The dns library maps
// 16 to BADSIG, its TSIG meaning, but this server sends it only as BADVERS.
func rcodeName(rcode int) string {
	if rcode == dns.RcodeBadVers {
		return "badvers"
	}
	if name, ok := dns.RcodeToString[rcode]; ok {
		return strings.ToLower(name)
	}
	return "rcode_" + strconv.Itoa(rcode)
}
