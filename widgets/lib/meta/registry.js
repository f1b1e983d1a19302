// The service processors meta.js dispatches to. Each declares the topic
// categories it serves in its `names`; meta.js builds the lookup map.

import anitya from "./anitya.js";
import ansible from "./ansible.js";
import askbot from "./askbot.js";
import autocloud from "./autocloud.js";
import badges from "./badges.js";
import bodhi from "./bodhi.js";
import bugzilla from "./bugzilla.js";
import buildsys from "./buildsys.js";
import ci from "./ci.js";
import cnucnuweb from "./cnucnuweb.js";
import { compose, pungi } from "./compose.js";
import copr from "./copr.js";
import datanommer from "./datanommer.js";
import elections from "./elections.js";
import faf from "./faf.js";
import fas from "./fas.js";
import fedimg from "./fedimg.js";
import fedocal from "./fedocal.js";
import fedoracollege from "./fedoracollege.js";
import fmn from "./fmn.js";
import git from "./git.js";
import github from "./github.js";
import greenwave from "./greenwave.js";
import hotness from "./hotness.js";
import hubs from "./hubs.js";
import infragit from "./infragit.js";
import irc from "./irc.js";
import jenkins from "./jenkins.js";
import kerneltest from "./kerneltest.js";
import koschei from "./koschei.js";
import logger from "./logger.js";
import mailman from "./mailman.js";
import mbs from "./mbs.js";
import mdapi from "./mdapi.js";
import meetbot from "./meetbot.js";
import mirrormanager from "./mirrormanager.js";
import nagios from "./nagios.js";
import nuancier from "./nuancier.js";
import odcs from "./odcs.js";
import openqa from "./openqa.js";
import pagure from "./pagure.js";
import pdc from "./pdc.js";
import pkgdb from "./pkgdb.js";
import planet from "./planet.js";
import rats from "./rats.js";
import releng from "./releng.js";
import summershum from "./summershum.js";
import tagger from "./tagger.js";
import taskotron from "./taskotron.js";
import trac from "./trac.js";
import waiverdb from "./waiverdb.js";
import wiki from "./wiki.js";
import zanata from "./zanata.js";

export const processors = [
  anitya, ansible, askbot, autocloud, badges, bodhi, bugzilla, buildsys,
  ci, cnucnuweb, compose, pungi, copr, datanommer, elections, faf,
  fas, fedimg, fedocal, fedoracollege, fmn, git, github, greenwave,
  hotness, hubs, infragit, irc, jenkins, kerneltest, koschei, logger,
  mailman, mbs, mdapi, meetbot, mirrormanager, nagios, nuancier, odcs,
  openqa, pagure, pdc, pkgdb, planet, rats, releng, summershum,
  tagger, taskotron, trac, waiverdb, wiki, zanata,
];
