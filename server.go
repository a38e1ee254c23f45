// Command kgql is a GraphQL knowledge-graph server on an embedded Badger store.
//
//	kgql [serve] [-addr HOST:PORT] [-data DIR] [-seed=false] [-cors-origins LIST]
//	kgql import [-data DIR] FILE…
//
// Flags win over the environment (KGQL_ADDR, KGQL_DATA, KGQL_CORS_ORIGINS, KGQL_SEED). This file
// only reads configuration and wires the parts together; the logic lives in graph/ and store/.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args, log)
	case "import":
		err = importFiles(args, log)
	case "help":
		usage(os.Stdout)
		return
	default:
		fmt.Fprintf(os.Stderr, "kgql: unknown command %q\n", cmd)
		usage(os.Stderr)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "kgql:", err)
		os.Exit(1)
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  kgql [serve] [-addr HOST:PORT] [-data DIR] [-seed=false] [-cors-origins LIST]
  kgql import [-data DIR] FILE…      (FILE may be - for standard input)
`)
}

// env returns the environment variable, or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

// dataFlag declares -data with its KGQL_DATA fallback.
func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", env("KGQL_DATA", "./data"), "directory of the store (env KGQL_DATA)")
}

// openStore opens the store, explaining the common failure of a store held by another process.
func openStore(dir string, log *slog.Logger) (*store.Store, error) {
	s, err := store.Open(store.Options{Dir: dir, Logger: log})
	if err != nil && strings.Contains(err.Error(), "directory lock") {
		return nil, fmt.Errorf("the store in %s is in use by another kgql process (stop it first)", dir)
	}
	return s, err
}

func serve(args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", env("KGQL_ADDR", "localhost:8080"), "listen address HOST:PORT (env KGQL_ADDR)")
	data := dataFlag(fs)
	doSeed := fs.Bool("seed", env("KGQL_SEED", "true") != "false", "fill an empty store with the built-in dataset (env KGQL_SEED)")
	origins := fs.String("cors-origins", env("KGQL_CORS_ORIGINS", strings.Join(graph.DefaultCORSOrigins, ",")),
		"comma-separated origins allowed by CORS and for websocket upgrades (env KGQL_CORS_ORIGINS)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}

	s, err := openStore(*data, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := s.Close(); err != nil {
			log.Error("closing the store", "err", err)
		}
	}()
	if *doSeed {
		if err := seedIfEmpty(s, log); err != nil {
			return err
		}
	}

	h := graph.NewHandler(graph.Options{Store: s, Logger: log, CORSOrigins: splitList(*origins)})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(cancelBase) // ends websocket subscriptions, which Shutdown does not wait for
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Info("kgql serving", "url", "http://"+ln.Addr().String()+"/", "data", *data)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("requests still running at shutdown were cut", "err", err)
	}
	return nil
}

// seedIfEmpty loads the built-in dataset into an empty store, through the importer.
func seedIfEmpty(s *store.Store, log *slog.Logger) error {
	empty, err := s.Empty()
	if err != nil || !empty {
		return err
	}
	res, err := importer.ImportBytes(s, seed.NDJSON, "built-in dataset")
	if err != nil {
		return fmt.Errorf("loading the built-in dataset: %w", err)
	}
	log.Info("loaded the built-in dataset", "records", res.Records, "took", res.Duration.Round(time.Millisecond))
	return nil
}

func importFiles(args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	data := dataFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return errors.New("import: name at least one FILE (or - for standard input)")
	}
	s, err := openStore(*data, log)
	if err != nil {
		return err
	}
	defer s.Close()
	for _, name := range fs.Args() {
		var r io.Reader = os.Stdin
		if name != "-" {
			f, err := os.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			r = f
		}
		res, err := importer.Import(s, r, name)
		if err != nil {
			return err
		}
		fmt.Printf("%s: %d records (%d created, %d updated, %d unchanged) in %s, %.0f records/s\n", name,
			res.Records, res.Created, res.Updated, res.Unchanged, res.Duration.Round(time.Millisecond),
			float64(res.Records)/max(res.Duration.Seconds(), 1e-9))
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
