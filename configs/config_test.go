package configs

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestExampleParsesToDefaults(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("sluice.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(string(raw))
	if err != nil {
		t.Fatalf("example does not parse: %v", err)
	}
	want := Default()
	want.fill()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("example differs from the defaults:\n got %+v\nwant %+v", got, want)
	}
}

// TestExampleDocumentsEveryKey walks the schema's toml tags and checks each
// key appears in the example (set, or commented out with an example value).
func TestExampleDocumentsEveryKey(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("sluice.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	var walk func(typ reflect.Type, prefix string)
	walk = func(typ reflect.Type, prefix string) {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			tag := f.Tag.Get("toml")
			if tag == "" {
				continue
			}
			ft := f.Type
			if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
				if !strings.Contains(text, "[["+prefix+tag+"]]") {
					t.Errorf("example lacks [[%s%s]]", prefix, tag)
				}
				walk(ft.Elem(), prefix+tag+".")
				continue
			}
			if ft.Kind() == reflect.Struct && ft != reflect.TypeOf(Duration{}) {
				if !strings.Contains(text, "["+prefix+tag+"]") {
					t.Errorf("example lacks [%s%s]", prefix, tag)
				}
				walk(ft, prefix+tag+".")
				continue
			}
			if !strings.Contains(text, tag+" = ") {
				t.Errorf("example does not document %s%s", prefix, tag)
			}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
}

func TestErrorsNameTheKey(t *testing.T) {
	t.Parallel()
	const hash = "$2a$10$abcdefghijklmnopqrstuuJ0aNLdH5yZ0Ttr1B3zDq5qK8ZcKx3uW"
	tenant := "[[tenant]]\nname = \"acme\"\npassword_hash = \"" + hash + "\"\nsender_domains = [\"acme.example\"]\n"
	cases := []struct {
		name, toml, want string
	}{
		{"unknown key", "[submission]\nlisten_addr = \"x\"\n", "submission.listen_addr: unknown key"},
		{"bad listen", "[submission]\nlisten = \"nope\"\n", "submission.listen"},
		{"bad duration", "[queue]\nretry_first = \"5 minutes\"\n", "not a duration"},
		{"bad level", "[log]\nlevel = \"loud\"\n", "log.level"},
		{"syntax", "[queue\n", "line 2"},
		{"clear password", "[[tenant]]\nname = \"a\"\npassword_hash = \"secret\"\nsender_domains = [\"a.example\"]\n", "tenant[0].password_hash"},
		{"no domains", "[[tenant]]\nname = \"a\"\npassword_hash = \"" + hash + "\"\n", "tenant[0].sender_domains"},
		{"dup tenant", tenant + tenant, "tenant[1].name: duplicate"},
		{"shared sender domain", tenant + strings.Replace(strings.Replace(tenant, `name = "acme"`, `name = "bee"`, 1), `sender_domains = ["acme.example"]`, `sender_domains = ["x.example", "ACME.example."]`, 1),
			"tenant[1].sender_domains[1]"},
		{"trusted without tenant", "[submission]\ntrusted_networks = [\"127.0.0.0/8\"]\n", "submission.trusted_tenant"},
		{"bad cidr", tenant + "[submission]\ntrusted_networks = [\"127.0.0.1\"]\ntrusted_tenant = \"acme\"\n", "submission.trusted_networks[0]"},
		{"bad route", "[[route]]\ndomain = \"*\"\nhost = \"localhost\"\n", "route[0].host"},
		{"bad tls", "[delivery]\ntls = \"required\"\n", "delivery.tls"},
		{"bad resolver", "[delivery]\nresolvers = [\"dns.example\"]\n", "delivery.resolvers[0]"},
		{"dkim missing file", "[[dkim.key]]\ndomain = \"a.example\"\nselector = \"s\"\n", "dkim.key[0]"},
		{"dkim engine", "[dkim]\nrsa_engine = \"fast\"\n", "dkim.rsa_engine"},
		{"retry order", "[queue]\nretry_first = \"2h\"\n", "queue.retry_max"},
		{"webhook http", tenant + "[tenant.webhook]\nurl = \"http://crm.example/h\"\nsecret = \"0123456789abcdef\"\n", "tenant[0].webhook.url: must be https"},
		{"webhook relative", tenant + "[tenant.webhook]\nurl = \"/h\"\nsecret = \"0123456789abcdef\"\n", "tenant[0].webhook.url"},
		{"webhook short secret", tenant + "[tenant.webhook]\nurl = \"https://crm.example/h\"\nsecret = \"short\"\n", "tenant[0].webhook.secret: must be at least 16 bytes"},
		{"webhook no url", tenant + "[tenant.webhook]\nsecret = \"0123456789abcdef\"\n", "tenant[0].webhook.url: required"},
		{"webhook kind", tenant + "[tenant.webhook]\nurl = \"https://crm.example/h\"\nsecret = \"0123456789abcdef\"\nkinds = [\"open\", \"opened\"]\n", "tenant[0].webhook.kinds[1]"},
		{"webhooks batch", "[webhooks]\nbatch_size = 0\n", "webhooks.batch_size"},
		{"webhooks retry", "[webhooks]\nretry_max = \"100ms\"\n", "webhooks.retry_max"},
		{"sending ip", "[inbound]\nsending_ips = [\"192.0.2.1\", \"mail.example\"]\n", "inbound.sending_ips[1]"},
		{"fbl provider", "[inbound]\nfbl_providers = [\"a b.example\"]\n", "inbound.fbl_providers[0]"},
		{"proxy cidr", "[submission]\nproxy_protocol_from = [\"lb\"]\n", "submission.proxy_protocol_from[0]"},
		{"preauth over sessions", "[submission]\nmax_sessions = 10\nmax_preauth = 20\n", "submission.max_preauth"},
		{"line limit", "[submission]\nmax_line_length = 500\n", "submission.max_line_length"},
		{"from_allow", tenant + "from_allow = [\"a@b@c.example\"]\n", "tenant[0].from_allow[0]"},
		{"bounce rule regexp", "[[bounce_rule]]\npattern = \"(\"\nreason = \"mailbox_full\"\n", "bounce_rule[0].pattern"},
		{"bounce rule empty", "[[bounce_rule]]\nreason = \"mailbox_full\"\n", "bounce_rule[0]: needs a pattern"},
		{"bounce rule verdict", "[[bounce_rule]]\ncode = 550\n", "bounce_rule[0].class"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.toml)
			if err == nil {
				t.Fatalf("accepted bad config")
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q: want one line naming %q", msg, tc.want)
			}
		})
	}
	if _, err := Parse(tenant + "[submission]\ntrusted_networks = [\"127.0.0.0/8\"]\ntrusted_tenant = \"acme\"\n"); err != nil {
		t.Fatalf("good config rejected: %v", err)
	}
	cfg, err := Parse("[inbound]\nsending_ips = [\"198.51.100.7\", \"203.0.113.0/28\"]\n[[source]]\nname = \"a\"\naddress = \"192.0.2.10\"\n[[source]]\nname = \"b\"\n")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cfg.SendingPrefixes() {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "192.0.2.10/32 198.51.100.7/32 203.0.113.0/28" {
		t.Fatalf("SendingPrefixes = %v", got)
	}
	for _, u := range []string{"https://crm.example/h?k=1", "http://127.0.0.1:8000/h", "http://[::1]:8000/h", "http://localhost/h"} {
		cfg, err := Parse(tenant + "[tenant.webhook]\nurl = \"" + u + "\"\nsecret = \"0123456789abcdef\"\nkinds = [\"open\", \"click\"]\n")
		if err != nil {
			t.Fatalf("webhook %s rejected: %v", u, err)
		}
		if w := cfg.Tenants[0].Webhook; w.URL != u || len(w.Kinds) != 2 {
			t.Fatalf("webhook parsed as %+v", w)
		}
	}
}
