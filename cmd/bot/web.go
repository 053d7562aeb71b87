package main

import (
	"net"
	"net/http"

	"github.com/linli/linli/store"
	"github.com/linli/linli/web"
)

// webURL is where the web desk is reached: -public-url, or else the -http
// address itself (the demo: http://127.0.0.1:8080); "" without -http.
func (c *Config) webURL() string {
	if c.HTTP == "" {
		return ""
	}
	if c.PublicURL != "" {
		return c.PublicURL
	}
	host, port, err := net.SplitHostPort(c.HTTP)
	if err != nil {
		return ""
	}
	switch host {
	case "", "0.0.0.0", "::":
		host = "localhost" // listening everywhere: this machine is one of them
	}
	return "http://" + net.JoinHostPort(host, port)
}

// pageURL is the desk's link to a ticket's page on resident cards (the
// view page, or the reporter's own on a card sent to them privately):
// only with -public-url, the address residents can reach.
func (c *Config) pageURL() func(tx *store.Tx, t *store.Ticket, reporter bool) (string, error) {
	if c.PublicURL == "" || c.HTTP == "" {
		return nil
	}
	return web.PageURL(c.PublicURL)
}

// webRoutes mounts the web desk on the -http server.
func (m *Main) webRoutes(routes map[string]http.Handler) map[string]http.Handler {
	if m.Config.HTTP == "" {
		return routes
	}
	if routes == nil {
		routes = map[string]http.Handler{}
	}
	routes[web.Prefix] = web.New(web.Config{
		DB: m.DB, Desk: m.Desk, Lang: m.Config.Lang, Location: m.loc, PublicURL: m.Config.webURL(), Log: m.Log,
	})
	return routes
}
