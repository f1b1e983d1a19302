package runtime

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// usernamePattern is what Fedora accounts allow (FAS: lowercase letters,
// digits, and a few separators, starting with a letter).
var usernamePattern = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)

// maxText bounds string params: a config is stored, rendered and pushed often.
const maxText = 64 << 10

// check validates one value against the param's type and returns it
// normalized (integers as int64, booleans as bool, strings trimmed when a
// trim cannot change meaning). Values may come as JSON types or as form
// strings. The message is empty when the value is fine.
func (p Param) check(v any) (any, string) {
	switch p.Type {
	case "string", "text", "username", "link":
		s, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		if len(s) > maxText {
			return nil, fmt.Sprintf("is longer than %d bytes", maxText)
		}
		switch p.Type {
		case "string":
			if strings.ContainsAny(s, "\r\n") {
				return nil, "must be a single line"
			}
		case "username":
			s = strings.TrimSpace(s)
			if !usernamePattern.MatchString(s) {
				return nil, "is not a valid username"
			}
		case "link":
			s = strings.TrimSpace(s)
			u, err := url.Parse(s)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, "must be an http or https URL"
			}
		}
		return s, ""
	case "integer":
		var f float64
		switch x := v.(type) {
		case int64:
			f = float64(x)
		case int:
			f = float64(x)
		case float64:
			f = x
		case string:
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil {
				return nil, "must be a whole number"
			}
			f = float64(n)
		default:
			return nil, "must be a whole number"
		}
		if f != math.Trunc(f) || math.IsInf(f, 0) || math.Abs(f) > 1<<53 {
			return nil, "must be a whole number"
		}
		if p.Min != nil && f < *p.Min {
			return nil, fmt.Sprintf("must be at least %v", *p.Min)
		}
		if p.Max != nil && f > *p.Max {
			return nil, fmt.Sprintf("must be at most %v", *p.Max)
		}
		return int64(f), ""
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, ""
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "on", "1", "yes":
				return true, ""
			case "false", "off", "0", "no", "":
				return false, ""
			}
		}
		return nil, "must be true or false"
	case "choice":
		for _, c := range p.Choices {
			if sameChoice(c, v) {
				return c, ""
			}
		}
		return nil, "must be one of " + choiceList(p.Choices)
	}
	return nil, "has an unknown type " + strconv.Quote(p.Type)
}

// sameChoice compares a submitted value with a declared choice; a form sends
// numbers as strings.
func sameChoice(c, v any) bool {
	if c == v {
		return true
	}
	cs := fmt.Sprint(c)
	switch x := v.(type) {
	case string:
		return cs == x
	case float64, int64, int:
		return cs == fmt.Sprint(x)
	}
	return false
}

func choiceList(cs []any) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprint(c)
	}
	return strings.Join(parts, ", ")
}

// checkConfig validates config against params: it fills defaults, converts
// types, and reports per-field errors (key "" for problems of the whole
// config, such as an unknown field). JS validate() functions are run by the
// caller on the fields that passed.
func checkConfig(params []Param, config map[string]any) (map[string]any, map[string]string) {
	out := make(map[string]any, len(params))
	errs := map[string]string{}
	for k := range config {
		if !slices.ContainsFunc(params, func(p Param) bool { return p.Name == k }) {
			errs[k] = "unknown parameter"
		}
	}
	for _, p := range params {
		v, present := config[p.Name]
		if present && (v == nil || v == "") && p.Type != "boolean" {
			present = false
		}
		if !present {
			switch {
			case p.Default != nil:
				out[p.Name] = p.Default
			case p.Required:
				errs[p.Name] = "is required"
			case p.Type == "boolean":
				out[p.Name] = false
			}
			continue
		}
		norm, msg := p.check(v)
		if msg != "" {
			errs[p.Name] = msg
			continue
		}
		out[p.Name] = norm
	}
	return out, errs
}
