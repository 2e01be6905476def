package main

import (
	"testing"

	"github.com/miekg/dns"
)

func queryDNS(t *testing.T, svc *devService, name string, qtype uint16) *dns.Msg {
	t.Helper()
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	reply, _, err := new(dns.Client).Exchange(m, svc.dns.UDPAddr().String())
	if err != nil {
		t.Fatalf("query %s %s: %v", name, dns.TypeToString[qtype], err)
	}
	return reply
}

func TestDev_DNSAnswersFromReplicatedState(t *testing.T) {
	svc := startTestDev(t, testConfig(t))

	for _, domain := range []string{"mayfly.test", "mayfly-mail.test"} {
		t.Run("MX "+domain, func(t *testing.T) {
			r := queryDNS(t, svc, domain, dns.TypeMX)
			if r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) != 1 {
				t.Fatalf("MX %s: rcode %s, aa %v, %d answers; want NOERROR, aa, 1 answer", domain, dns.RcodeToString[r.Rcode], r.Authoritative, len(r.Answer))
			}
			mx, ok := r.Answer[0].(*dns.MX)
			if !ok || mx.Mx != "mx1.mayfly-ops.test." {
				t.Errorf("MX answer = %v, want mx1.mayfly-ops.test.", r.Answer[0])
			}
		})
	}

	t.Run("A of the MX host", func(t *testing.T) {
		r := queryDNS(t, svc, "mx1.mayfly-ops.test", dns.TypeA)
		if r.Rcode != dns.RcodeSuccess || !r.Authoritative || len(r.Answer) != 1 {
			t.Fatalf("A: rcode %s, aa %v, %d answers", dns.RcodeToString[r.Rcode], r.Authoritative, len(r.Answer))
		}
		if a := r.Answer[0].(*dns.A); a.A.String() != "127.0.0.1" {
			t.Errorf("A = %s, want 127.0.0.1", a.A)
		}
	})

	t.Run("SOA and NS at the apex", func(t *testing.T) {
		for _, qtype := range []uint16{dns.TypeSOA, dns.TypeNS} {
			r := queryDNS(t, svc, "mayfly.test", qtype)
			if r.Rcode != dns.RcodeSuccess || len(r.Answer) == 0 || r.Answer[0].Header().Rrtype != qtype {
				t.Errorf("%s: rcode %s, answer %v", dns.TypeToString[qtype], dns.RcodeToString[r.Rcode], r.Answer)
			}
		}
	})

	t.Run("NXDOMAIN with SOA", func(t *testing.T) {
		r := queryDNS(t, svc, "missing.mayfly.test", dns.TypeA)
		if r.Rcode != dns.RcodeNameError || !r.Authoritative {
			t.Fatalf("rcode %s aa %v, want NXDOMAIN with aa", dns.RcodeToString[r.Rcode], r.Authoritative)
		}
		if len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
			t.Errorf("authority = %v, want the zone SOA", r.Ns)
		}
	})

	t.Run("NODATA for a missing type", func(t *testing.T) {
		r := queryDNS(t, svc, "mayfly.test", dns.TypeAAAA)
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 || len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA {
			t.Errorf("rcode %s, %d answers, authority %v; want NOERROR, no answer, SOA", dns.RcodeToString[r.Rcode], len(r.Answer), r.Ns)
		}
	})

	t.Run("REFUSED outside the zones", func(t *testing.T) {
		r := queryDNS(t, svc, "example.org", dns.TypeMX)
		if r.Rcode != dns.RcodeRefused || r.Authoritative {
			t.Errorf("rcode %s aa %v, want REFUSED without aa", dns.RcodeToString[r.Rcode], r.Authoritative)
		}
	})
}
