/**
 * The DEFIMON policy pack: `pulumi preview --policy-pack policy`. Every policy is
 * mandatory: a violation fails the preview or update.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("defimon", { policies, enforcementLevel: "mandatory" });
