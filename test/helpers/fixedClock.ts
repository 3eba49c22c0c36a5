/**
 * The suite judges the dated catalogs at noon UTC of the day they were read
 * (data/network-upgrades.json's `read`), not at the real time: a fork activating or a
 * support window closing does not turn the suite red on its own; `npm run plan` and
 * `pulumi preview` judge at the real time. Tests of the dates themselves set their own.
 */
import upgrades from "../../data/network-upgrades.json";
import { setClock } from "../../lib/clock";

export const catalogNoon = new Date(`${upgrades.read}T12:00:00Z`);
setClock(catalogNoon);
