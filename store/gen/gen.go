// Package gen writes synthetic knowledge graphs in kgql's import format, for tests and benchmarks.
// The shape imitates news data: a region hierarchy (countries → regions → cities), organizations
// whose membership follows a power law (a few with thousands of members, most with a handful),
// people with dated positions, events with organizers and participants, French statements of
// realistic length with accented names, and a citation to a source on every record. The output
// depends only on Options: the same options give the same bytes.
package gen

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Options sizes a graph. Every count derives from People unless set.
type Options struct {
	Seed   uint64 // random seed; the same seed gives the same graph
	People int    // number of people
	// Organizations, Events, Statements, Sources default to People/10, People/5, 2×People and
	// People/20 (at least 1 each).
	Organizations, Events, Statements, Sources int
	// Countries (default 3), each with RegionsPerCountry regions (default 12), each with
	// CitiesPerRegion cities (default 4).
	Countries, RegionsPerCountry, CitiesPerRegion int
}

// Stats counts what Write wrote.
type Stats struct {
	Records, Nodes, Edges int
	ByType                map[string]int
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = max(d, 1)
		}
	}
	def(&o.People, 100)
	def(&o.Organizations, o.People/10)
	def(&o.Events, o.People/5)
	def(&o.Statements, 2*o.People)
	def(&o.Sources, o.People/20)
	def(&o.Countries, 3)
	def(&o.RegionsPerCountry, 12)
	def(&o.CitiesPerRegion, 4)
}

var (
	firstNames = []string{"Adil", "Najat", "Saïd", "Hassan", "Badia", "Mehdi", "Fouad", "Jihad", "Amine", "Zouheir",
		"Rachid", "Khalid", "Mohamed", "Fatima-Zahra", "Loubna", "Hélène", "Éric", "Zoé", "Maëlle", "Noël",
		"Yasmine", "Ismaïl", "Ghita", "Othmane", "Salma", "Anaïs", "Jérôme", "Inès", "Réda", "Aïcha"}
	lastNames = []string{"Zaidi", "Toulba", "Abdati", "Sentissi", "Bitar", "Laraqui", "Lamrini", "Essikili", "Laghidi",
		"Benjelloun", "Zerati", "Bounajma", "Fadlam", "El Idrissi", "Bennani", "Lefèvre", "Moreau", "Chraïbi",
		"Tazi", "Alaoui", "Berrada", "Benkirane", "Fassi-Fihri", "Guédira", "Mezouar", "Daoudi", "Hajji", "Lahlou"}
	orgHeads  = []string{"Association", "Fédération", "Chambre", "Ministère", "Commission", "Société", "Groupement", "Agence"}
	orgKinds  = []string{"ASSOCIATION", "FEDERATION", "CHAMBER", "GOVERNMENT", "COMMISSION", "COMPANY", "OTHER", "OTHER"}
	orgTopics = []string{"des Exportateurs", "de l'Industrie", "du Commerce", "de l'Économie Verte", "des Énergies",
		"de l'Agriculture", "du Numérique", "des Services", "de la Pêche Maritime", "du Tourisme", "de la Logistique"}
	titles  = []string{"président", "vice-présidente", "délégué régional", "secrétaire général", "trésorière", "membre du bureau", "directeur"}
	roles   = []string{"speaker", "presenter", "participant", "participant", "delegate"}
	eventKs = []string{"Conseil", "Forum", "Assises", "Rencontre", "Salon", "Journée"}
	phrases = []string{
		"Cette rencontre est le couronnement des efforts déployés pour fédérer les opérateurs économiques",
		"le renforcement de la notoriété de l'offre exportable nationale est un axe stratégique essentiel",
		"nous devons réussir la relance post Covid-19 et le développement des exportations régionales",
		"l'originalité de l'approche est qu'elle est inclusive et qu'elle émerge des régions",
		"les problématiques de financement, de logistique et de diversification des marchés ont été soulevées",
		"un plan d'action concret accompagnera les entreprises exportatrices sur les prochains mois",
		"la synergie inter-régionale permettra de remonter les besoins des territoires",
		"nous visons à porter le nombre d'entreprises exportatrices de 6.000 à 12.000 à l'horizon 2035",
		"la formation et l'information des opérateurs régionaux restent au cœur de notre stratégie",
		"ce partenariat stratégique ouvre la voie à des programmes spécifiques aux exportateurs",
	}
)

// Write writes a graph to w and returns what it wrote.
func Write(w io.Writer, o Options) (Stats, error) {
	o.defaults()
	g := &writer{w: bufio.NewWriterSize(w, 1<<20), r: rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15)), st: Stats{ByType: map[string]int{}}}
	src := func(i int) string { return "src-" + strconv.Itoa(i) }
	cite := func() string {
		return `[{"source":"` + src(g.r.IntN(o.Sources)) + `","excerpt":"` + phrases[g.r.IntN(len(phrases))] + `"}]`
	}

	for i := range o.Sources {
		g.rec("Source", 0, `"key":"%s","title":"Dépêche n°%d sur l'économie régionale","author":"%s","publishedAt":"%s","language":"fr"`,
			src(i), i+1, initials(g.r), date(g.r, 2015, 2025))
	}
	// Regions: countries, their regions, their cities.
	var regions, cities []string
	for c := range o.Countries {
		cc := string(rune('A'+c/26)) + string(rune('A'+c%26))
		g.rec("Region", 1, `"key":"%s","name":"Pays %s","kind":"COUNTRY","code":"%s","citations":%s`, cc, cc, cc, cite())
		for r := range o.RegionsPerCountry {
			rk := fmt.Sprintf("%s-%02d", cc, r+1)
			regions = append(regions, rk)
			g.rec("Region", 2, `"key":"%s","name":"Région %s-%d de l'Économie","kind":"REGION","code":"%s","parent":"%s","aliases":["Region %s %d"],"citations":%s`,
				rk, cc, r+1, rk, cc, cc, r+1, cite())
			for k := range o.CitiesPerRegion {
				ck := fmt.Sprintf("ville-%s-%d-%d", strings.ToLower(cc), r+1, k+1)
				cities = append(cities, ck)
				g.rec("Region", 2, `"key":"%s","name":"Ville %d de %s","kind":"CITY","parent":"%s","citations":%s`, ck, k+1, rk, rk, cite())
			}
		}
	}
	// Organizations; every tenth is a unit of an earlier one.
	org := func(i int) string { return "org-" + strconv.Itoa(i) }
	for i := range o.Organizations {
		h := g.r.IntN(len(orgHeads))
		parent := ""
		if i%10 == 9 {
			parent = `,"parent":"` + org(g.r.IntN(i)) + `"`
			g.st.Edges++
		}
		g.rec("Organization", 2, `"key":"%s","name":"%s %s n°%d","acronym":"ORG%d","kind":"%s","seat":"%s"%s,"citations":%s`,
			org(i), orgHeads[h], orgTopics[g.r.IntN(len(orgTopics))], i+1, i+1, orgKinds[h], regions[g.r.IntN(len(regions))], parent, cite())
	}
	// People.
	person := func(i int) string { return "p-" + strconv.Itoa(i) }
	names := make([]string, o.People)
	for i := range o.People {
		names[i] = firstNames[g.r.IntN(len(firstNames))] + " " + lastNames[g.r.IntN(len(lastNames))]
		g.rec("Person", 1, `"key":"%s","name":"%s","citations":%s`, person(i), names[i], cite())
	}
	// Events, organized by popular organizations, held in cities.
	orgZipf := rand.NewZipf(g.r, 1.3, 2, uint64(o.Organizations-1))
	event := func(i int) string { return "ev-" + strconv.Itoa(i) }
	for i := range o.Events {
		d := date(g.r, 2016, 2025)
		g.rec("Event", 3, `"key":"%s","name":"%s régional n°%d","startDate":"%s","endDate":"%s","location":"%s","organizers":["%s"],"citations":%s`,
			event(i), eventKs[g.r.IntN(len(eventKs))], i+1, d, d, cities[g.r.IntN(len(cities))], org(int(orgZipf.Uint64())), cite())
	}
	// Positions: one or two per person, power-law over organizations, some regional, many dated.
	for i := range o.People {
		for j := range 1 + g.r.IntN(2) {
			extra := ""
			if g.r.IntN(3) == 0 {
				extra += `,"region":"` + regions[g.r.IntN(len(regions))] + `"`
				g.st.Edges++
			}
			if g.r.IntN(2) == 0 {
				s := date(g.r, 2010, 2020)
				extra += `,"startDate":"` + s + `"`
				if g.r.IntN(2) == 0 {
					extra += `,"endDate":"` + date(g.r, 2021, 2025) + `"`
				}
			}
			g.rec("Position", 3, `"person":"%s","organization":"%s","title":"%s %d"%s,"citations":%s`,
				person(i), org(int(orgZipf.Uint64())), titles[g.r.IntN(len(titles))], j+1, extra, cite())
		}
	}
	// Participations: events get a power-law number of participants.
	evZipf := rand.NewZipf(g.r, 1.2, 3, uint64(o.Events-1))
	for i := range o.People {
		for j := range g.r.IntN(3) {
			g.rec("Participation", 3, `"person":"%s","event":"%s","role":"%s %d","citations":%s`,
				person(i), event(int(evZipf.Uint64())), roles[g.r.IntN(len(roles))], j, cite())
		}
	}
	// Statements: French text of one to three sentences, about one or two entities.
	for i := range o.Statements {
		var t strings.Builder
		for k := range 1 + g.r.IntN(3) {
			if k > 0 {
				t.WriteString(". ")
			}
			p := phrases[g.r.IntN(len(phrases))]
			t.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
		sp := g.r.IntN(o.People)
		g.rec("Statement", 5, `"key":"st-%d","speaker":"%s","event":"%s","text":"%s, a déclaré %s lors de la séance n°%d","language":"fr","date":"%s","about":["%s","%s"],"citations":%s`,
			i, person(sp), event(int(evZipf.Uint64())), t.String(), names[sp], i+1, date(g.r, 2016, 2025),
			org(int(orgZipf.Uint64())), regions[g.r.IntN(len(regions))], cite())
	}
	return g.st, g.w.Flush()
}

type writer struct {
	w  *bufio.Writer
	r  *rand.Rand
	st Stats
}

// rec writes one record of the given type with `edges` references besides its citation.
func (g *writer) rec(typ string, edges int, format string, a ...any) {
	g.w.WriteString(`{"type":"` + typ + `",`)
	fmt.Fprintf(g.w, format, a...)
	g.w.WriteString("}\n")
	g.st.Records++
	g.st.ByType[typ]++
	if typ != "Position" && typ != "Participation" {
		g.st.Nodes++
	}
	g.st.Edges += edges
}

func date(r *rand.Rand, from, to int) string {
	return fmt.Sprintf("%04d-%02d-%02d", from+r.IntN(to-from+1), 1+r.IntN(12), 1+r.IntN(28))
}

func initials(r *rand.Rand) string {
	return string(rune('A'+r.IntN(26))) + ". " + string(rune('A'+r.IntN(26))) + "."
}
