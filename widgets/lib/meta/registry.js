// The service processors meta.js dispatches to, by topic category.
import ci from "./ci.js";
import { compose, pungi } from "./compose.js";
import bodhi from "./bodhi.js";
import bugzilla from "./bugzilla.js";
import copr from "./copr.js";
import nuancier from "./nuancier.js";
import elections from "./elections.js";
import meetbot from "./meetbot.js";
import fmn from "./fmn.js";
import git from "./git.js";
import fedocal from "./fedocal.js";
import tagger from "./tagger.js";
import askbot from "./askbot.js";
import fedimg from "./fedimg.js";
import openqa from "./openqa.js";
import trac from "./trac.js";
import hotness from "./hotness.js";
import autocloud from "./autocloud.js";
import fas from "./fas.js";
import buildsys from "./buildsys.js";
import github from "./github.js";
import anitya from "./anitya.js";
import pkgdb from "./pkgdb.js";
import pagure from "./pagure.js";

export const processors = [bugzilla, copr, nuancier, elections, meetbot, fmn, git, fedocal, tagger, askbot, fedimg, openqa, trac, hotness, autocloud, fas, buildsys, github, anitya, pkgdb, pagure, bodhi, ci, compose, pungi];
