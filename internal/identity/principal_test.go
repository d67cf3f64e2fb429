package identity

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var secretRE = regexp.MustCompile(`^[A-Za-z0-9]{3}8Q~[A-Za-z0-9~._-]{34}$`)

func TestNewSecret_Shape(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		plain, s := NewSecret()
		if len(plain) != 40 || !secretRE.MatchString(plain) {
			t.Fatalf("secret %q does not look like an Entra ID secret", plain)
		}
		if s.Hint != plain[:3] {
			t.Fatalf("hint %q, secret %q", s.Hint, plain)
		}
		if strings.Contains(s.Hash, plain) || !strings.HasPrefix(s.Hash, "sha256$") {
			t.Fatalf("hash %q", s.Hash)
		}
		if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(s.KeyID) {
			t.Fatalf("key id %q is not a v4 UUID", s.KeyID)
		}
		if seen[plain] || seen[s.KeyID] {
			t.Fatal("NewSecret repeated itself")
		}
		seen[plain], seen[s.KeyID] = true, true
	}
}

func TestNewSecret_SaltedHash(t *testing.T) {
	plain, s1 := NewSecret()
	s2 := Secret{Hash: hashSecret(plain)}
	if s1.Hash == s2.Hash {
		t.Fatal("two hashes of one secret are equal: no salt")
	}
	if !s1.matches(plain) || !s2.matches(plain) {
		t.Fatal("salted hashes do not match their secret")
	}
}

func TestPrincipal_CheckSecret(t *testing.T) {
	plain1, s1 := NewSecret()
	plain2, s2 := NewSecret()
	plainOld, old := NewSecret()
	old.EndDateTime = time.Now().Add(-time.Minute)
	s2.EndDateTime = time.Now().Add(time.Hour)
	p := &Principal{AppID: "a", Secrets: []Secret{s1, s2, old}}
	tests := []struct {
		name  string
		plain string
		want  bool
	}{
		{"first secret", plain1, true},
		{"second secret, end date ahead", plain2, true},
		{"expired secret", plainOld, false},
		{"empty", "", false},
		{"other secret", "x" + plain1[1:], false},
		{"prefix", plain1[:39], false},
		{"hint only", s1.Hint, false},
		{"the hash itself", s1.Hash, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.CheckSecret(tt.plain); got != tt.want {
				t.Errorf("CheckSecret = %v, want %v", got, tt.want)
			}
		})
	}
	if ok, expired := p.matchSecret(plainOld, time.Now()); ok || !expired {
		t.Errorf("matchSecret(expired) = %v, %v; want false, true", ok, expired)
	}
}

func TestSecret_MalformedHash(t *testing.T) {
	for _, h := range []string{"", "sha256", "sha256$", "sha256$$", "md5$AAAA$AAAA", "sha256$!!$!!", "sha256$AAAA$AAAA"} {
		s := Secret{Hash: h}
		if s.matches("") || s.matches("secret") {
			t.Errorf("hash %q matched", h)
		}
	}
}

func TestRandString_UsesWholeAlphabet(t *testing.T) {
	got := randString("ab", 2000)
	if len(got) != 2000 || strings.Count(got, "a") < 800 || strings.Count(got, "b") < 800 {
		t.Fatalf("randString is not uniform: %d a, %d b", strings.Count(got, "a"), strings.Count(got, "b"))
	}
}
