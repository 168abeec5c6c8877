// Function words of English and French, lower-case, with apostrophes as U+0027. The summary drops them
// from its term vectors; the language guess counts them to tell the two languages apart.

const english = `a about above after again against all also am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
few for from further get got had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's like me more most
mustn't my myself no nor not now of off on once only or other ought our ours ourselves out over own please same shan't
she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then there
there's these they they'd they'll they're they've this those through to too under until up us very was wasn't we we'd
we'll we're we've were weren't what what's when when's where where's which while who who's whom why why's will with
won't would wouldn't yes you you'd you'll you're you've your yours yourself yourselves`;

const french = `a à afin ai aie aient aies ait alors as au aucun aucune aura aurai auraient aurais aurait auras aurez
auriez aurons auront aussi autre autres aux avaient avais avait avant avec avez aviez avions avoir avons ayant ayez
ayons c ça car ce ceci cela celle celles celui cependant ces cet cette ceux chaque chez ci comme comment d dans de des
donc dont du elle elles en encore entre es est et étaient étais était étant été êtes étiez étions être eu eue eues eûmes
eurent eus eusse eussent eusses eussiez eussions eut eûtes eux fait faire fais fut furent fus fusse fussent fût il ils
j je jusqu l la là le les leur leurs lorsqu lui m ma mais me même mêmes mes moi mon n ne ni non nos notre nous on ont
ou où par parce pas peu peut plus pour pourquoi qu quand que quel quelle quelles quels qui s sa sans se sera serai
seraient serais serait seras serez seriez serons seront ses si sien soi soient sois soit sommes son sont sous soyez
soyons suis sur t ta te tes toi ton tous tout toute toutes très tu un une vers voici voilà vos votre vous y`;

function wordSet(list: string): ReadonlySet<string> {
  return new Set(list.split(/\s+/).filter((word) => word !== ''));
}

export const englishStopwords = wordSet(english);
export const frenchStopwords = wordSet(french);

export function isStopword(word: string): boolean {
  return englishStopwords.has(word) || frenchStopwords.has(word);
}
