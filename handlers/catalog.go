package handlers

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales/*.json
var localeFiles embed.FS

// Languages are the reply languages crmbot ships, as CRM_LANGUAGE and `lang` name them.
var Languages = []string{"en", "ms", "id", "zh-Hans", "zh-Hant", "hi"}

// Catalog holds every user-facing sentence in every language
// (github.com/nicksnyder/go-i18n: CLDR plural rules and templates).
type Catalog struct {
	bundle     *i18n.Bundle
	localizers map[string]*i18n.Localizer
}

// NewCatalog loads the embedded message files.
func NewCatalog() (*Catalog, error) {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{bundle: b, localizers: map[string]*i18n.Localizer{}}
	for _, lang := range Languages {
		files, err := catalogueFiles(lang)
		if err != nil {
			return nil, err
		}
		for _, name := range files {
			data, err := fs.ReadFile(localeFiles, name)
			if err != nil {
				return nil, fmt.Errorf("read catalogue %s: %w", name, err)
			}
			if _, err := b.ParseMessageFileBytes(data, path.Base(name)); err != nil {
				return nil, fmt.Errorf("parse catalogue %s: %w", name, err)
			}
		}
		c.localizers[lang] = i18n.NewLocalizer(b, lang, "en")
	}
	return c, nil
}

// catalogueFiles lists a language's message files: locales/<lang>.json and
// one locales/<part>.<lang>.json per part of crmbot that adds sentences.
func catalogueFiles(lang string) ([]string, error) {
	parts, err := fs.Glob(localeFiles, "locales/*."+lang+".json")
	if err != nil {
		return nil, err
	}
	return append([]string{"locales/" + lang + ".json"}, parts...), nil
}

// Lang returns the supported language closest to tag (a user's
// language_code such as "id" or "zh-TW"), or "" when none fits.
func Lang(tag string) string {
	tag = strings.TrimSpace(tag)
	for _, l := range Languages {
		if strings.EqualFold(l, tag) {
			return l
		}
	}
	switch t := strings.ToLower(tag); {
	case t == "zh-tw" || t == "zh-hk" || t == "zh-mo" || strings.HasPrefix(t, "zh-hant"):
		return "zh-Hant"
	case strings.HasPrefix(t, "zh"):
		return "zh-Hans"
	case strings.HasPrefix(t, "en"):
		return "en"
	case t == "in" || strings.HasPrefix(t, "id"):
		return "id"
	case strings.HasPrefix(t, "ms"), strings.HasPrefix(t, "hi"):
		return t[:2]
	}
	return ""
}

// T returns the sentence key in lang with args (name, value, ...) filled in.
// A count argument picks the plural form.
func (c *Catalog) T(lang, key string, args ...any) string {
	loc, ok := c.localizers[lang]
	if !ok {
		loc = c.localizers["en"]
	}
	data := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = args[i+1]
	}
	cfg := &i18n.LocalizeConfig{MessageID: key, TemplateData: data}
	if n, ok := data["count"]; ok {
		cfg.PluralCount = n
	}
	s, err := loc.Localize(cfg)
	if err != nil && s == "" && loc != c.localizers["en"] {
		s, err = c.localizers["en"].Localize(cfg)
	}
	if err != nil && s == "" {
		return key
	}
	return s
}

// Keys returns every message id of a language's file, sorted; tests use it
// to prove the catalogue complete.
func Keys(lang string) ([]string, error) {
	files, err := catalogueFiles(lang)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, name := range files {
		data, err := fs.ReadFile(localeFiles, name)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for k := range m {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys, nil
}
