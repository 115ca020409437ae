/**
 * Word lists for query analysis. All lists are generic (English, issue-template vocabulary, keywords of
 * common programming languages, platform exception names); nothing here names a particular project.
 */

const words = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

/** English function words and chat filler. */
export const ENGLISH_STOPWORDS = words(`
a about above after again against all almost along already also although always am among an and another any anybody
anyone anything anyway anywhere are aren around as at away back be became because become becomes been before
being below besides between beyond both but by can cannot cant could couldn did didn do does doesn doing don done
down during each either else elsewhere enough even ever every everyone everything except few for from further get
gets getting got gotten had hadn has hasn have haven having he her here hers herself him himself his how however i
if in indeed into is isn it its itself just least less let lets like likely may maybe me might mine more most mostly
much must my myself namely neither never nevertheless next no nobody non none nor not nothing now nowhere of off
often on once one only onto or other others otherwise our ours ourselves out over own per perhaps please quite
rather re really same seem seemed seeming seems several shall she should shouldn since so some somebody someone
something sometime sometimes somewhat somewhere still such than that the their theirs them themselves then there
thereby therefore these they this those though through throughout thus to together too toward towards under unless
until up upon us very via was wasn we well were weren what whatever when whenever where whereas wherever whether
which while who whoever whole whom whose why will with within without won would wouldn yet you your yours yourself
yourselves ok okay yes yeah hi hello hey thanks thank thx regards cheers dear sorry sure lot lots bit kind
i'm i've i'd it's that's there's don't doesn't didn't can't won't isn't aren't wasn't
`);

/**
 * Words issue templates and bug reports use everywhere; they say nothing about the code. Words agents'
 * questions use about code ("which file writes the output", "the error a call returns") are not here:
 * they are generic code words, kept with a low weight.
 */
export const ISSUE_NOISE = words(`
version versions environment env platform system device browser install installed summary title step steps
feature context link links
issue issues bug bugs report reported reporting describe description descriptions clear concise reproduce
reproduced reproducing reproduction reproducible repro expected expect expecting expectation actual actually
behavior behaviour behaviors happen happens happened happening occur occurs occurred additional screenshot
screenshots info information os operating desktop smartphone checklist searched existing duplicate latest release
released upgrade upgraded upgrading installing installation minimal example examples sample snippet following below
above attached attach see seen look looks looking note notes related relevant solution alternative alternatives
considered proposal propose proposed motivation problem problems question questions help helps helped wondering
idea ideas suggestion suggest suggested thoughts workaround etc e.g eg i.e ie tried try trying want wanted wants
need needed needs able unable possible impossible currently current instead seem thing things stuff way ways case
cases time times today yesterday still anymore either whatever fix fixed fixes fixing work works worked working
wrong correct correctly properly proper right incorrect incorrectly unexpected unexpectedly expected use used uses
using usage making get gets got getting showed gave took know think guess same different other another simple
simply basic basically just quite python javascript typescript java golang rust nodejs npm pip yarn macos ios
ipados watchos github gitlab bitbucket pypi vscode intellij pycharm webstorm iphone ipad android windows linux
ubuntu debian fedora centos alpine chrome chromium firefox safari detail details detailed great nice awesome love
amazing maybe related relates introduced introduce commit follow follows following documentation docs doc readme
`);

/**
 * Generic programming vocabulary: legitimate words, but they match nearly every file of every
 * repository, so they carry (almost) no signal on their own.
 */
export const GENERIC_CODE_WORDS = words(`
break breaks broken call called calling calls code fail failed failing fails failure file files first give given
gives input inputs last line lines made make makes new old output outputs ran request requests result results
return returned returns run running runs search show shown shows take takes value values
function functions method methods class classes object objects instance instances type types error errors
exception exceptions warning warnings message messages string strings number numbers integer int float bool boolean
list lists array arrays dict dictionary map maps set sets tuple item items key keys field fields attribute attributes
property properties parameter parameters param params argument arguments arg args kwargs variable variables var
module modules package packages library libraries import imports export exports default defaults
data test tests testing main app application project repo repository script scripts program tool tools api apis
support supported supports feature features call update updated updates change changes changed add added adds
remove removed removes delete deleted create created creates set sets setup init initialize initialized
true false null none nil undefined nan self this cls obj foo bar baz qux quux spam eggs tmp temp print
`);

/** Keywords of the languages we analyze; never useful as search terms on their own. */
export const LANGUAGE_KEYWORDS = words(`
def class return if elif else for while in not and or is none true false import from as with try except finally
raise pass break continue lambda yield global nonlocal assert del async await print self cls
function var let const new this typeof instanceof void delete throw throws catch switch case default export
extends super static public private protected interface implements package enum abstract final native
synchronized transient volatile null undefined of do goto
func go chan select defer fallthrough map range struct type nil
fn impl trait mut pub use mod crate where match loop move ref unsafe dyn box
int long short char byte double float boolean bool string str unsigned signed sizeof typedef extern auto register
inline template typename namespace using virtual override operator friend nullptr
begin end then elsif unless until module require include
val object companion when fun internal sealed open data lateinit
`);

/** Exceptions that every program can raise; they locate nothing by themselves. */
export const PLATFORM_EXCEPTIONS = words(`
Exception BaseException Error ValueError TypeError KeyError IndexError AttributeError RuntimeError NameError
ImportError ModuleNotFoundError AssertionError NotImplementedError OSError IOError FileNotFoundError
PermissionError ZeroDivisionError OverflowError RecursionError StopIteration KeyboardInterrupt SystemExit
UnicodeDecodeError UnicodeEncodeError UnicodeError LookupError ArithmeticError MemoryError TimeoutError
ConnectionError DeprecationWarning UserWarning FutureWarning RuntimeWarning SyntaxError IndentationError
ReferenceError RangeError URIError EvalError AggregateError
NullPointerException IllegalArgumentException IllegalStateException RuntimeException IOException
ClassCastException ArrayIndexOutOfBoundsException IndexOutOfBoundsException UnsupportedOperationException
NumberFormatException ConcurrentModificationException NoSuchElementException StackOverflowError
OutOfMemoryError ClassNotFoundException NoSuchMethodError NoClassDefFoundError InterruptedException
ArgumentException ArgumentNullException InvalidOperationException NullReferenceException
`);
