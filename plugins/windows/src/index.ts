/**
 * pentora/windows: SMB and RDP. SMB servers and RDP servers say nothing on
 * connect, so the plugin probes: `smb-negotiate` (445) sends an SMB2
 * NEGOTIATE, then a SESSION_SETUP with an NTLM NEGOTIATE_MESSAGE whose
 * CHALLENGE answer names the server and its Windows build; `smb-netbios-
 * negotiate` (139) does the same after a NetBIOS session request;
 * `smb1-negotiate` (445) asks for SMB1 "NT LM 0.12", which notes servers
 * that still speak SMB1; `rdp-x224` (3389) sends an X.224 Connection Request
 * asking for TLS or CredSSP. The conversation never authenticates.
 */

import { ServiceModule, ServiceProbe, Banner, ParsedBanner, JsonValue, register } from "../../../sdk/assemblyscript/index";
export * from "../../../sdk/assemblyscript/exports";

import { parseSmb, negotiateRequest, sessionSetupRequest, smb1NegotiateRequest, sessionRequest } from "./smb";
import { parseRdp, connectionRequest } from "./rdp";
import { smbRecord, rdpRecord } from "./records";

const DECODE_BYTES: i32 = 65536;

class Windows extends ServiceModule {
  private smb: i32 = 0;
  private smb1: i32 = 0;
  private rdp: i32 = 0;

  probes(): ServiceProbe[] {
    return [
      ServiceProbe.tcp("smb-negotiate", [445]).send(negotiateRequest()).read(4096, 2000, 200).send(sessionSetupRequest()).read(4096, 2000, 200),
      ServiceProbe.tcp("smb-netbios-negotiate", [139])
        .send(sessionRequest())
        .read(64, 2000, 100)
        .send(negotiateRequest())
        .read(4096, 2000, 200)
        .send(sessionSetupRequest())
        .read(4096, 2000, 200),
      ServiceProbe.tcp("smb1-negotiate", [445]).send(smb1NegotiateRequest()).read(4096, 2000, 200),
      ServiceProbe.tcp("rdp-x224", [3389]).send(connectionRequest()).read(1024, 2000, 200),
    ];
  }

  parse(b: Banner): ParsedBanner | null {
    if (b.protocol != "tcp" || b.data.length < 4) return null;
    const first = <i32>b.data[0];
    if (first == 3) {
      const r = parseRdp(b.data);
      if (r === null) return null;
      this.rdp++;
      return rdpRecord(b, r);
    }
    if (first == 0 || first == 0x82 || first == 0x83 || first == 0x85) {
      const s = parseSmb(b.data);
      if (s === null) return null;
      this.smb++;
      if (s.smb1) this.smb1++;
      return smbRecord(b, s);
    }
    return null;
  }

  /**
   * Both SMB probes may answer one endpoint: keep the SMB2 reading (the
   * richer one) and note that the server also speaks SMB1.
   */
  followUp(previous: ParsedBanner, reply: Banner): ParsedBanner {
    const next = this.parse(reply);
    if (next === null) return previous;
    const prevSmb1Only = previous.fields.getBool("smb1") && !previous.fields.has("dialect");
    const nextSmb1Only = next.fields.getBool("smb1") && !next.fields.has("dialect");
    if (nextSmb1Only && !prevSmb1Only) {
      previous.fields.setBool("smb1_enabled", true);
      return previous;
    }
    if (prevSmb1Only && !nextSmb1Only) {
      next.fields.setBool("smb1_enabled", true);
      return next;
    }
    return next;
  }

  summarize(summary: JsonValue): void {
    summary.setInt("smb", this.smb).setInt("smb1", this.smb1).setInt("rdp", this.rdp);
  }
}

register(new Windows("pentora/windows", "0.1.0", DECODE_BYTES));
