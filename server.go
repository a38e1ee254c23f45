// Command kgql is a GraphQL knowledge-graph server on an embedded Badger store.
//
//	kgql [serve] [-addr HOST:PORT] [-data DIR] [-seed=false] [-cors-origins LIST]
//	kgql import  [-data DIR] FILE…
//	kgql export  [-data DIR] [-o FILE]
//	kgql check   [-data DIR]
//	kgql backup  [-data DIR] [-o FILE]
//	kgql restore [-data DIR] [-force] FILE
//	kgql gen     [-people N] [-seed S] [-o FILE]
//	kgql token   add|list|remove -tokens FILE [-name NAME] [-role ROLE]
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
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/kgql/kgql/graph"
	"github.com/kgql/kgql/store"
	"github.com/kgql/kgql/store/gen"
	"github.com/kgql/kgql/store/importer"
	"github.com/kgql/kgql/store/seed"
	"github.com/kgql/kgql/store/textindex"
)

// mainStart is when main started (after the packages' initialization, which GODEBUG=inittrace=1
// reports).
var mainStart time.Time

func main() {
	mainStart = time.Now()
	// The data tools log text at INFO (to a person at a terminal, mostly); serve builds its own
	// logger from -log-format and -log-level, once its flags are parsed.
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	args := os.Args[1:]
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(args)
	case "import":
		err = importFiles(args, log)
	case "export":
		err = exportStore(args, log)
	case "check":
		err = checkStore(args, log)
	case "backup":
		err = backupStore(args, log)
	case "restore":
		err = restoreStore(args, log)
	case "gen":
		err = genGraph(args)
	case "token":
		err = tokenCommand(args, os.Stdout)
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
  kgql import  [-data DIR] FILE…        NDJSON records (FILE may be - for standard input)
  kgql export  [-data DIR] [-o FILE]    every record as NDJSON (default: standard output)
  kgql check   [-data DIR]              verify the store's invariants; exit 1 on any violation
  kgql backup  [-data DIR] [-o FILE]    full backup (default: standard output)
  kgql restore [-data DIR] [-force] FILE  load a backup into an empty store (-force: replace)
  kgql gen     [-people N] [-seed S] [-o FILE]  write a synthetic graph (NDJSON) for tests and benchmarks
  kgql token add    -tokens FILE -name NAME -role reader|writer|admin   print a new token once, store its hash
  kgql token list   -tokens FILE                names and roles of the tokens in FILE
  kgql token remove -tokens FILE -name NAME     remove a token (then SIGHUP the server)

kgql serve -h lists the server's flags (credentials, limits, memory).
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
func openStore(opts store.Options) (*store.Store, error) {
	s, err := store.Open(opts)
	if err != nil && strings.Contains(err.Error(), "directory lock") {
		return nil, fmt.Errorf("the store in %s is in use by another kgql process (stop it first)", opts.Dir)
	}
	return s, err
}

func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	logs := logFlags(fs)
	addr := fs.String("addr", env("KGQL_ADDR", "localhost:8080"), "listen address HOST:PORT (env KGQL_ADDR)")
	data := dataFlag(fs)
	doSeed := fs.Bool("seed", env("KGQL_SEED", "true") != "false", "fill an empty store with the built-in dataset (env KGQL_SEED)")
	textOn := fs.Bool("text-index", env("KGQL_TEXT_INDEX", "true") != "false", "keep the full-text index (text.bleve in the data directory); false serves `search` from the name index only and leaves text.bleve untouched (env KGQL_TEXT_INDEX)")
	origins := fs.String("cors-origins", env("KGQL_CORS_ORIGINS", strings.Join(graph.DefaultCORSOrigins, ",")),
		"comma-separated origins allowed by CORS and for websocket upgrades (env KGQL_CORS_ORIGINS)")
	metricsOn := fs.Bool("metrics", env("KGQL_METRICS", "true") != "false", "collect Prometheus metrics and serve them at GET /metrics (env KGQL_METRICS)")
	metricsAddr := fs.String("metrics-addr", env("KGQL_METRICS_ADDR", ""),
		"also serve GET /metrics, without credentials, on this HOST:PORT (e.g. 127.0.0.1:9464 for a local scraper) (env KGQL_METRICS_ADDR)")
	mem := memoryFlags(fs)
	sec := securityFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	sl, err := logs.logger(os.Stderr)
	if err != nil {
		return err
	}
	defer sl.w.Close() // the lines still buffered, at exit
	log := sl.Logger
	// Credentials are read before anything is bound or opened: a bad token file or key refuses
	// to start, with the line at fault.
	authn, err := sec.authenticator()
	if err != nil {
		return err
	}
	if err := sec.checkBind(*addr, authn); err != nil {
		return err
	}
	opts, err := mem.storeOptions(*data, log)
	if err != nil {
		return err
	}
	if limit, from := mem.applyLimit(opts); limit > 0 {
		log.Info("memory limit", "mib", limit>>20, "from", from, "badger_mib", opts.Memory()>>20)
	}

	// Bind first and answer /healthz with 503 "starting" until the store is open, so that a
	// supervisor can tell a starting server from a dead one. The full-text index catches up in
	// the background once the store is open (see textindex.AttachBackground).
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hopts, err := sec.handlerOptions(fs, authn, isLoopback(ln.Addr()), ln.Addr().String(), log)
	if err != nil {
		ln.Close()
		return err
	}
	var ready atomic.Pointer[http.Handler]
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if h := ready.Load(); h != nil {
				(*h).ServeHTTP(w, r)
				return
			}
			starting(w, r)
		}),
		ReadHeaderTimeout: *sec.headerTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(cancelBase) // ends websocket subscriptions, which Shutdown does not wait for
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	defer srv.Close() // error paths; a normal stop shuts down gracefully below, before the store closes

	openStart := time.Now()
	s, err := openStore(opts)
	if err != nil {
		return err
	}
	openTook := time.Since(openStart)
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
	// The text index (bleve) opens and catches up (or rebuilds) in the background, after the
	// store's directory lock is held: a second kgql on the same directory never touches it.
	var ix *textindex.Index
	if *textOn {
		if ix, err = textindex.OpenBackground(filepath.Join(*data, textIndexDir), s, log); err != nil {
			return err
		}
		defer func() { // before the store's: the index drains its queue from the store
			if err := ix.Close(); err != nil {
				log.Error("closing the text index", "err", err)
			}
		}()
	}

	hopts.Store, hopts.Text, hopts.Logger, hopts.CORSOrigins = s, ix, log, splitList(*origins)
	if sl.level <= slog.LevelInfo { // above INFO the access log writes nothing: leave it out
		hopts.OnRequest = graph.AccessLog(sl.w, sl.json, sl.level)
	}
	if *logs.slow > 0 {
		hopts.OnOperation = graph.SlowQueryLog(log, *logs.slow)
	}
	if *metricsOn {
		hopts.Metrics = graph.NewMetrics(s, ix)
	} else if *metricsAddr != "" {
		return errors.New("-metrics-addr needs metrics on (-metrics=false turns them off)")
	}
	if *metricsAddr != "" {
		stopMetrics, err := serveMetrics(*metricsAddr, hopts.Metrics, log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	h := graph.NewHandler(hopts)
	ready.Store(&h)
	go reloadOnHUP(ctx, sec, log)
	log.Info("kgql serving", "url", "http://"+ln.Addr().String()+"/", "data", *data,
		"store_open", openTook.Round(time.Millisecond/10), "since_main", time.Since(mainStart).Round(time.Millisecond/10), "text_index", textState(ix))
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

// logConfig is serve's -log-format, -log-level and -slow-query.
type logConfig struct {
	format, level *string
	slow          *time.Duration
}

func logFlags(fs *flag.FlagSet) *logConfig {
	return &logConfig{
		format: fs.String("log-format", env("KGQL_LOG_FORMAT", ""),
			"json or text (env KGQL_LOG_FORMAT; default: text when standard error is a terminal, else json)"),
		level: fs.String("log-level", env("KGQL_LOG_LEVEL", "info"),
			"lowest level logged: debug (adds health checks to the access log), info (one line per request), warn or error (env KGQL_LOG_LEVEL)"),
		slow: fs.Duration("slow-query", 500*time.Millisecond,
			"log queries and mutations that take longer at WARN, with their text and variable names (0: off)"),
	}
}

// serveLog is serve's logger: lines go through a LogWriter (buffered, flushed every
// graph.DefaultLogFlush and at once from WARN up) to standard error; the access log writes to the
// same LogWriter in the same format.
type serveLog struct {
	*slog.Logger
	w     *graph.LogWriter
	json  bool
	level slog.Level
}

// logger builds serve's logger on f.
func (lc *logConfig) logger(f *os.File) (*serveLog, error) {
	var level slog.Level
	switch strings.ToLower(*lc.level) {
	case "debug":
		level = slog.LevelDebug
	case "info", "":
		level = slog.LevelInfo
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default:
		return nil, fmt.Errorf("-log-level %q: say debug, info, warn or error", *lc.level)
	}
	ho := &slog.HandlerOptions{Level: level}
	format := strings.ToLower(*lc.format)
	if format == "" {
		format = "json"
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			format = "text"
		}
	}
	w := graph.NewLogWriter(f, graph.DefaultLogFlush)
	var h slog.Handler
	switch format {
	case "json":
		h = slog.NewJSONHandler(w, ho)
	case "text":
		h = slog.NewTextHandler(w, ho)
	default:
		return nil, fmt.Errorf("-log-format %q: say json or text", *lc.format)
	}
	return &serveLog{Logger: slog.New(graph.FlushAbove(h, w, slog.LevelWarn)), w: w, json: format == "json", level: level}, nil
}

// serveMetrics serves GET /metrics alone on addr, without credentials (meant for a scraper on
// this machine or a private network; a non-loopback address is allowed, with a warning). It
// returns the function that stops it.
func serveMetrics(addr string, m *graph.Metrics, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("-metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() { _ = ms.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/metrics"
	if isLoopback(ln.Addr()) {
		log.Info("metrics listening", "url", url)
	} else {
		log.Warn("metrics listening without credentials on a network address", "url", url)
	}
	return func() { _ = ms.Close() }, nil
}

// starting answers every request while the store opens: 503, Retry-After: 1; /healthz says
// {"status":"starting"}, other paths a GraphQL-shaped error with code UNAVAILABLE.
func starting(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Retry-After", "1")
	w.WriteHeader(http.StatusServiceUnavailable)
	if r.URL.Path == "/healthz" {
		_, _ = io.WriteString(w, `{"status":"starting"}`+"\n")
		return
	}
	_, _ = io.WriteString(w, `{"errors":[{"message":"kgql is starting: the store is being opened","extensions":{"code":"UNAVAILABLE"}}]}`+"\n")
}

// textState is the full-text index's state for the log: "off" without one (-text-index=false).
func textState(ix *textindex.Index) string {
	if ix == nil {
		return "off"
	}
	return ix.Status().State
}

// textIndexDir is where the full-text index lives, inside the data directory. It is derived from
// the store: deleting it is safe (the next start rebuilds it).
const textIndexDir = "text.bleve"

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

// importMemLimitMiB is the default Go memory limit of `kgql import`. A bulk import's live heap
// (the streamed import's compact records, then its plan, Badger's memtables and the load's
// counts) stays under about 750 MiB at M (1,755,406 records); without a limit the heap grows to
// twice that between collections, and with Badger's memory-mapped tables the peak RSS passed
// 2.8 GiB. The limit makes the collector run earlier instead (BENCHMARKS.md, "Bulk import").
const importMemLimitMiB = 1024

func importFiles(args []string, log *slog.Logger) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	data := dataFlag(fs)
	memLimit := fs.Int("mem-limit-mib", importMemLimitMiB,
		"Go soft memory limit of the import in MiB; -1 sets none; GOMEMLIMIT wins")
	if err := parseToolFlags(fs, args); err != nil {
		return err
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok && *memLimit > 0 {
		debug.SetMemoryLimit(int64(*memLimit) << 20)
	}
	if fs.NArg() == 0 {
		return errors.New("import: name at least one FILE (or - for standard input)")
	}
	// A file that cannot be read is refused before the store is opened (opening creates it).
	for _, name := range fs.Args() {
		if name == "-" {
			continue
		}
		if fi, err := os.Stat(name); err != nil {
			return err
		} else if fi.IsDir() {
			return fmt.Errorf("import: %s is a directory", name)
		}
	}
	s, err := openStore(store.Options{Dir: *data, Logger: log})
	if err != nil {
		return err
	}
	defer s.Close()
	for _, name := range fs.Args() {
		if err := importFile(s, name); err != nil {
			return err
		}
	}
	return nil
}

// importFile imports one file, with a progress line on stderr while it takes more than a second.
func importFile(s *store.Store, name string) error {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	pr := &progressReader{r: r, name: name, start: time.Now()}
	res, err := importer.Import(s, pr, name)
	pr.done()
	var les importer.Errors
	if errors.As(err, &les) {
		for _, e := range les {
			fmt.Fprintln(os.Stderr, e.Error())
		}
		return fmt.Errorf("%s: %d problem(s), nothing written", name, les.Total())
	}
	if err != nil {
		return err
	}
	types := make([]string, 0, len(res.ByType))
	for _, k := range store.Kinds {
		if n := res.ByType[k.String()]; n > 0 {
			types = append(types, fmt.Sprintf("%s %d", k, n))
		}
	}
	fmt.Printf("%s: %d records (%s): %d created, %d updated, %d unchanged in %s, %.0f records/s\n", name,
		res.Records, strings.Join(types, ", "), res.Created, res.Updated, res.Unchanged,
		res.Duration.Round(time.Millisecond), float64(res.Records)/max(res.Duration.Seconds(), 1e-9))
	return nil
}

// progressReader prints how much of an input was read, once a second after the first second.
type progressReader struct {
	r     io.Reader
	name  string
	start time.Time
	last  time.Time
	n     int64
	shown bool
	// writing: the importer started its second pass over the input (Seek)
	writing bool
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if now := time.Now(); now.Sub(p.start) > time.Second && now.Sub(p.last) > time.Second {
		p.last, p.shown = now, true
		what := "read"
		if p.writing {
			what = "checked, writing: read again"
		}
		fmt.Fprintf(os.Stderr, "\r%s: %s %.1f MiB in %s", p.name, what, float64(p.n)/(1<<20), now.Sub(p.start).Round(time.Second))
	}
	return n, err
}

// Seek lets the importer read a file twice (the streamed import): pass 2 starts over, and the
// progress line says it is writing. It fails when the input cannot seek (the importer then
// copies it to a temporary file).
func (p *progressReader) Seek(off int64, whence int) (int64, error) {
	sk, ok := p.r.(io.Seeker)
	if !ok {
		return 0, errors.New("cannot seek")
	}
	n, err := sk.Seek(off, whence)
	if err == nil && whence != io.SeekCurrent {
		p.n, p.writing = n, true
	}
	return n, err
}

func (p *progressReader) done() {
	if p.shown {
		fmt.Fprintf(os.Stderr, "\r%s: read %.1f MiB in %s, writing done\n", p.name, float64(p.n)/(1<<20), time.Since(p.start).Round(time.Millisecond))
	}
}

// outFlag declares -o; "" or "-" is standard output.
func outFlag(fs *flag.FlagSet) *string {
	return fs.String("o", "", "output file (default: standard output)")
}

// writeOut runs fn on the output named by -o ("" or "-": standard output) and closes it,
// reporting the first error.
func writeOut(name string, fn func(w io.Writer) error) error {
	if name == "" || name == "-" {
		return fn(os.Stdout)
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	err = fn(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// withStore parses a data tool's flags, opens the store, and runs fn.
// files is how many file arguments the tool takes; any other number is refused before the store
// is opened (and, for restore, a file that cannot be opened).
func withStore(name string, args []string, log *slog.Logger, files int, decl func(*flag.FlagSet), fn func(s *store.Store, fs *flag.FlagSet) error) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	data := dataFlag(fs)
	if decl != nil {
		decl(fs)
	}
	if err := parseToolFlags(fs, args); err != nil {
		return err
	}
	switch {
	case files == 0 && fs.NArg() > 0:
		return fmt.Errorf("%s: unexpected argument %q (flags: -data DIR, -o FILE)", name, fs.Arg(0))
	case files == 1 && fs.NArg() != 1:
		return fmt.Errorf("%s: name one backup FILE", name)
	case files == 1:
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		f.Close()
	}
	s, err := openStore(store.Options{Dir: *data, Logger: log})
	if err != nil {
		return err
	}
	err = fn(s, fs)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

// parseToolFlags parses a data tool's command line, where flags may come before, between or after
// the file names ("kgql import facts.ndjson -data ./other"): every argument that looks like a flag
// ("-x", "--x", "-x=v"; not "-", which names standard input) is a flag, and a flag that takes a
// value takes the next argument; "--" ends the flags. An unknown flag, a flag without its value or
// a bad value is an error before any store is opened. The other arguments, in order, are fs.Args().
func parseToolFlags(fs *flag.FlagSet, args []string) error {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			return fs.Parse([]string{a}) // unknown (or -h): the flag package's message and usage
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 == len(args) {
			return fs.Parse([]string{a}) // "flag needs an argument"
		}
		i++
		flags = append(flags, args[i])
	}
	return fs.Parse(append(append(flags, "--"), rest...))
}

func exportStore(args []string, log *slog.Logger) error {
	var out *string
	return withStore("export", args, log, 0, func(fs *flag.FlagSet) { out = outFlag(fs) }, func(s *store.Store, fs *flag.FlagSet) error {
		return writeOut(*out, func(w io.Writer) error {
			n, err := importer.Export(s, w)
			if err == nil {
				fmt.Fprintf(os.Stderr, "exported %d records\n", n)
			}
			return err
		})
	})
}

func checkStore(args []string, log *slog.Logger) error {
	return withStore("check", args, log, 0, nil, func(s *store.Store, fs *flag.FlagSet) error {
		n, err := s.Check(1000, func(v store.Violation) { fmt.Println(v) })
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("check: %d violation(s)", n)
		}
		fmt.Println("check: ok")
		return nil
	})
}

func backupStore(args []string, log *slog.Logger) error {
	var out *string
	return withStore("backup", args, log, 0, func(fs *flag.FlagSet) { out = outFlag(fs) }, func(s *store.Store, fs *flag.FlagSet) error {
		return writeOut(*out, s.Backup)
	})
}

func restoreStore(args []string, log *slog.Logger) error {
	var force *bool
	return withStore("restore", args, log, 1, func(fs *flag.FlagSet) {
		force = fs.Bool("force", false, "replace a store that is not empty")
	}, func(s *store.Store, fs *flag.FlagSet) error {
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		if err := s.Restore(f, *force, filepath.Dir(filepath.Clean(fs.Lookup("data").Value.String()))); err != nil {
			return err
		}
		// The text index followed the store as it was; the next start rebuilds it.
		if err := os.RemoveAll(filepath.Join(fs.Lookup("data").Value.String(), textIndexDir)); err != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "restored", fs.Arg(0))
		return nil
	})
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

func genGraph(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	people := fs.Int("people", 10000, "number of people (about 3.3 nodes and 6 records per person)")
	seedN := fs.Uint64("seed", 1, "random seed: the same seed gives the same graph")
	out := outFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return writeOut(*out, func(w io.Writer) error {
		st, err := gen.Write(w, gen.Options{Seed: *seedN, People: *people})
		if err == nil {
			fmt.Fprintf(os.Stderr, "generated %d records: %d nodes, %d edges\n", st.Records, st.Nodes, st.Edges)
		}
		return err
	})
}
