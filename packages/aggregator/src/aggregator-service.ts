import {
  type AggregatorServiceRecord,
  AsyncMutex,
  BrokerError,
  type ErrorRecord,
  errorRecord,
  errors,
  type Service,
  type ServiceEvent,
  type ServiceInfo,
  type ServiceRequest,
  type ServiceStatus,
  type ServiceWatch,
  StatusHub,
  type StatusListener,
  sanitizeRequest,
  type SubserviceRecord,
  type TerminalRef,
  toBrokerError,
} from '@dpb/model';
import type { Plan } from '@dpb/planner';
import type { Aggregator, PlanAvoidance } from './aggregator';

/** What the aggregator knows of one sub-service in an inferior network. */
export interface SubState {
  record: SubserviceRecord;
  service: Service | undefined;
  /** Last status reported; UNKNOWN until the first event, MISSING when the inferior has no such service. */
  status: ServiceStatus | 'UNKNOWN' | 'MISSING';
  /** The inferior network cannot be reached: the last status is not current. */
  unreachable?: boolean;
  /** How we follow its status (a listener or a watch); undefined while nobody follows it. */
  watch: { close(): void } | undefined;
  /** What we last asked of it, so we do not repeat ourselves. */
  asked: 'active' | 'inactive' | 'release' | undefined;
}

/**
 * In-process services (switch and aggregator services) also offer a
 * callback subscription with the same events as `watch` but without an
 * iterator, its generator and its promises: following 100,000 sub-services
 * that way costs one small object each instead of a few kilobytes (issue 7).
 * Services of remote networks lack it and are watched.
 */
interface ListenableService extends Service {
  listen(listener: StatusListener): void;
  unlisten(listener: StatusListener): void;
}

function isListenable(svc: Service): svc is ListenableService {
  const s = svc as Partial<ListenableService>;
  return typeof s.listen === 'function' && typeof s.unlisten === 'function';
}

/** Follows one in-process sub-service by listening to it (no closures: one object per sub-service). */
class SubFollower implements StatusListener {
  constructor(
    private readonly owner: AggregatorService,
    private readonly sub: SubState,
    private readonly svc: ListenableService,
  ) {}

  event(ev: ServiceEvent): void {
    this.owner.onSubEvent(this.sub, ev);
  }

  end(): void {
    if (this.sub.watch === this) this.sub.watch = undefined;
  }

  close(): void {
    this.svc.unlisten(this);
  }
}

/** An inferior refused the sub-service over `terminals` (its names) with `error`. */
interface Refusal {
  network: string;
  terminals: string[];
  error: unknown;
}

const NOT_READY = new Set<SubState['status']>(['UNKNOWN', 'MISSING', 'DORMANT', 'ESTABLISHING']);
const MOVING = new Set<SubState['status']>(['ACTIVE', 'ACTIVATING', 'DEACTIVATING']);

/** Delay before retrying an inferior that could not be reached. */
const RETRY_MS = [100, 500, 2000, 5000, 10000];

/**
 * One service of an aggregator. Its status is derived from the intent and
 * from what the sub-services report; `step()` drives the sub-services
 * towards the intent and is re-run after every change, so every path
 * (release while activating, reset during define, an inferior failing,
 * a restart) converges.
 */
export class AggregatorService implements Service {
  readonly network: string;
  readonly id: number;
  readonly hub: StatusHub;
  /** Serialises define, intent changes and drive steps of this service. */
  readonly mutex = new AsyncMutex();
  subs: SubState[] = [];
  /** True while define is creating the sub-services. */
  establishing = false;
  released = false;
  private stepQueued = false;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly agg: Aggregator,
    public record: AggregatorServiceRecord,
  ) {
    this.network = agg.name;
    this.id = record.id;
    this.subs = record.subservices.map((r) => newSub(r));
    this.hub = new StatusHub(agg.name, record.id, {
      status: this.derive(),
      intent: record.intent,
      at: agg.now(),
      errors: record.errors,
    });
  }

  get handle(): string | null {
    return this.record.handle;
  }

  /** The status, derived from intent and the sub-services' reports. */
  derive(): ServiceStatus {
    const r = this.record;
    if (this.released) return 'RELEASED';
    if (r.intent === 'RELEASE' || r.intent === 'RESET') return 'RELEASING';
    if (r.errors.length > 0) return 'FAILED';
    if (!r.request) return this.establishing ? 'ESTABLISHING' : 'DORMANT';
    if (this.establishing) return 'ESTABLISHING';
    // an unreachable inferior cannot confirm anything: never report ACTIVE on its word
    if (this.subs.some((s) => s.unreachable)) return r.intent === 'ACTIVE' ? 'ACTIVATING' : 'INACTIVE';
    if (this.subs.some((s) => NOT_READY.has(s.status))) return 'ESTABLISHING';
    if (r.intent === 'ACTIVE') return this.subs.every((s) => s.status === 'ACTIVE') ? 'ACTIVE' : 'ACTIVATING';
    return this.subs.some((s) => MOVING.has(s.status)) ? 'DEACTIVATING' : 'INACTIVE';
  }

  publish(): void {
    this.hub.update(this.derive(), this.record.intent, this.agg.now(), this.record.errors);
  }

  /** True when the service is giving its resources back (release, reset or failure). */
  get tearingDown(): boolean {
    const r = this.record;
    return r.intent === 'RELEASE' || r.intent === 'RESET' || r.errors.length > 0;
  }

  // ------------------------------------------------------------------ Service

  async define(request: ServiceRequest): Promise<void> {
    return this.mutex.run(async () => {
      this.checkDefinable();
      const sanitized = sanitizeRequest(request);
      const plan = await this.agg.allocate(this, sanitized);
      const refusal = await this.tryEstablish();
      if (refusal) {
        // one re-plan around the inferior that refused, then give up
        const first = this.agg.explainInferiorError(refusal.error, refusal.network);
        const avoid = this.avoidanceFor(refusal, plan);
        if (avoid.trunks.length === 0 && avoid.chords.length === 0) throw first;
        if (this.record.intent === 'RESET' || this.record.intent === 'RELEASE' || this.closed) throw first;
        this.agg.logger.info('an inferior refused a sub-service; re-planning around it', {
          network: this.network,
          service: this.id,
          inferior: refusal.network,
          code: first.code,
          reason: toBrokerError(refusal.error).message,
          avoidTrunks: avoid.trunks,
          avoidChords: avoid.chords.length,
        });
        this.agg.forgetModel(refusal.network);
        try {
          await this.agg.allocate(this, sanitized, avoid);
        } catch (e) {
          throw this.gaveUp(first, refusal.network, toBrokerError(e), 'no other plan avoids it');
        }
        const second = await this.tryEstablish();
        if (second) {
          const again = this.agg.explainInferiorError(second.error, second.network);
          throw this.gaveUp(first, refusal.network, again, `the re-plan was refused too (inferior ${second.network})`);
        }
      }
      this.establishing = false;
      this.publish();
      await this.step();
    });
  }

  /** Creates and defines every sub-service of the current plan; on a refusal, rolls back and says who refused. */
  private async tryEstablish(): Promise<Refusal | undefined> {
    this.establishing = true;
    this.subs = this.record.subservices.map((record) => newSub(record));
    this.publish();
    const refusal = await this.establish();
    if (refusal) await this.rollBackDefine();
    return refusal;
  }

  /**
   * What a re-plan must avoid after `refusal`: the chords the refused piece
   * used inside that inferior, and a trunk whose end the inferior named as
   * the problem (e.g. a label it does not accept there).
   */
  private avoidanceFor(refusal: Refusal, plan: Plan): PlanAvoidance {
    const terminals = new Set(refusal.terminals);
    const chords = plan.chords
      .filter((c) => c.network === refusal.network && terminals.has(c.from) && terminals.has(c.to))
      .map((c) => ({ network: c.network, from: c.from, to: c.to }));
    const trunks: number[] = [];
    const named = toBrokerError(refusal.error).details.terminal;
    if (typeof named === 'string') {
      for (const t of plan.trunks) {
        const r = this.agg.trunkRecord(t.id);
        if (!r) continue;
        const atEnd = (x: TerminalRef): boolean => x.network === refusal.network && x.terminal === named;
        if (atEnd(r.start) || atEnd(r.end)) trunks.push(t.id);
      }
    }
    return { trunks, chords };
  }

  /** The error after the re-plan failed: names the inferior that refused first, why, and what the re-plan met. */
  private gaveUp(first: BrokerError, inferior: string, then: BrokerError, what: string): BrokerError {
    return new BrokerError(first.code, `${first.message}; re-planned around ${inferior} once: ${what}: ${then.message}`, {
      details: {
        ...first.details,
        network: this.network,
        inferior,
        replanned: true,
        refusals: [
          { inferior, code: first.code, message: first.message },
          { ...(typeof then.details.inferior === 'string' ? { inferior: then.details.inferior } : {}), code: then.code, message: then.message },
        ],
      },
      cause: first,
    });
  }

  async activate(): Promise<void> {
    return this.mutex.run(async () => {
      this.checkUsable('activate');
      if (this.record.errors.length > 0) {
        throw errors.precondition(`service ${this.id} of ${this.network} has FAILED; reset or release it first`, {
          network: this.network,
          service: this.id,
          status: 'FAILED',
        });
      }
      if (this.record.intent === 'ACTIVE') return;
      this.record.intent = 'ACTIVE';
      await this.agg.persist(this);
      await this.step();
    });
  }

  async deactivate(): Promise<void> {
    return this.mutex.run(async () => {
      this.checkUsable('deactivate');
      if (this.record.intent !== 'ACTIVE') return;
      this.record.intent = 'INACTIVE';
      await this.agg.persist(this);
      await this.step();
    });
  }

  async reset(): Promise<void> {
    if (this.released || this.record.intent === 'RELEASE') {
      throw errors.precondition(`service ${this.id} of ${this.network} is released`, {
        network: this.network,
        service: this.id,
        status: this.hub.status,
      });
    }
    const r = this.record;
    const busy = this.mutex.pending > 0 || r.request !== null || r.errors.length > 0 || this.subs.length > 0;
    if (busy && r.intent !== 'RESET') {
      // show RELEASING at once; a define still queued will then be refused
      r.intent = 'RESET';
      this.publish();
    }
    return this.mutex.run(async () => {
      if (r.intent !== 'RESET') {
        if (!r.request && r.errors.length === 0 && this.subs.length === 0) {
          // already DORMANT: only forget an early activation
          if (r.intent === 'ACTIVE') {
            r.intent = 'INACTIVE';
            await this.agg.persist(this);
          }
          return;
        }
        r.intent = 'RESET';
        this.publish();
      }
      await this.agg.persist(this);
      await this.step();
    });
  }

  async release(): Promise<void> {
    if (this.released) return;
    if (this.record.intent !== 'RELEASE') {
      this.record.intent = 'RELEASE';
      this.publish();
    }
    return this.mutex.run(async () => {
      if (this.released) return;
      await this.agg.persist(this);
      await this.step();
    });
  }

  async status(): Promise<ServiceStatus> {
    return this.hub.status;
  }

  async describe(): Promise<ServiceInfo> {
    const r = this.record;
    return {
      network: this.network,
      id: this.id,
      handle: r.handle,
      status: this.hub.status,
      intent: r.intent,
      request: r.request ? structuredClone(r.request) : null,
      errors: r.errors.map((e) => ({ ...e })),
      history: this.hub.history(),
      createdAt: r.createdAt,
      realisation: {
        tunnels: r.tunnels.map((t) => {
          const trunk = this.agg.trunkRecord(t.trunkId);
          return {
            trunk: t.trunkId,
            start: trunk ? { ...trunk.start } : { network: '?', terminal: '?' },
            end: trunk ? { ...trunk.end } : { network: '?', terminal: '?' },
            startLabel: t.startLabel,
            endLabel: t.endLabel,
            upstreamMbps: t.upstreamMbps,
            downstreamMbps: t.downstreamMbps,
          };
        }),
        subservices: this.subs.map((s) => ({
          network: s.record.network,
          handle: s.record.handle,
          id: s.service?.id ?? s.record.id,
          status: s.status === 'MISSING' || s.unreachable ? 'UNKNOWN' : s.status,
          request: structuredClone(s.record.request),
        })),
      },
    };
  }

  awaitStatus(acceptable: readonly ServiceStatus[], timeoutMs: number): Promise<ServiceStatus> {
    return this.hub.awaitStatus(acceptable, timeoutMs);
  }

  watch(options?: { signal?: AbortSignal }): ServiceWatch {
    return this.hub.watch(options);
  }

  /** The events of {@link watch} by callback (in-process followers; see StatusHub.listen). */
  listen(listener: StatusListener): void {
    this.hub.listen(listener);
  }

  /** Stops a listener given to {@link listen}. */
  unlisten(listener: StatusListener): void {
    this.hub.unlisten(listener);
  }

  // ---------------------------------------------------------------- internals

  private checkDefinable(): void {
    const r = this.record;
    const details = { network: this.network, service: this.id, status: this.hub.status };
    if (this.released || r.intent === 'RELEASE') throw errors.precondition(`service ${this.id} of ${this.network} is released`, details);
    if (r.intent === 'RESET') throw errors.precondition(`service ${this.id} of ${this.network} is being reset`, details);
    if (r.errors.length > 0) throw errors.precondition(`service ${this.id} of ${this.network} has FAILED; reset it before defining again`, details);
    if (r.request) throw errors.precondition(`service ${this.id} of ${this.network} is already defined; reset it first`, details);
  }

  private checkUsable(op: string): void {
    const r = this.record;
    if (this.released || r.intent === 'RELEASE') {
      throw errors.precondition(`cannot ${op} service ${this.id} of ${this.network}: it is released`, {
        network: this.network,
        service: this.id,
        status: this.hub.status,
      });
    }
    if (r.intent === 'RESET') {
      throw errors.precondition(`cannot ${op} service ${this.id} of ${this.network}: it is being reset`, {
        network: this.network,
        service: this.id,
        status: this.hub.status,
      });
    }
  }

  /** Creates (idempotently, by handle) and defines every sub-service. */
  private async establish(): Promise<Refusal | undefined> {
    const results = await Promise.allSettled(this.subs.map((sub) => this.createSub(sub)));
    for (let i = 0; i < results.length; i++) {
      const r = results[i] as PromiseSettledResult<void>;
      if (r.status === 'rejected') {
        const sub = this.subs[i] as SubState;
        return { network: sub.record.network, terminals: sub.record.request.circuits.map((c) => c.terminal), error: r.reason };
      }
    }
    return undefined;
  }

  private async createSub(sub: SubState): Promise<void> {
    const inferior = this.agg.inferior(sub.record.network);
    const svc = await inferior.createService({ handle: sub.record.handle });
    sub.service = svc;
    sub.record.id = svc.id;
    this.attach(sub);
    try {
      await svc.define(sub.record.request);
    } catch (e) {
      // a retry after a lost reply: the sub-service may already hold exactly this request
      const b = toBrokerError(e);
      if (b.code !== 'FAILED_PRECONDITION') throw e;
      const info = await svc.describe();
      if (!info.request) throw e;
    }
  }

  /**
   * An inferior became unreachable (its sub-services' statuses are no longer
   * known) or reachable again: then every sub-service there is found again
   * by handle, followed afresh, and driven toward the intent.
   */
  inferiorAvailability(network: string, available: boolean): void {
    if (this.closed || this.released) return;
    const subs = this.subs.filter((s) => s.record.network === network);
    if (subs.length === 0) return;
    for (const s of subs) {
      s.unreachable = !available;
      if (available) {
        const w = s.watch;
        s.watch = undefined;
        w?.close();
        if (s.asked !== 'release') s.asked = undefined;
      }
    }
    this.publish();
    if (available) this.schedule();
  }

  /** Finds a sub-service again by handle and follows it (MISSING if its inferior no longer has it defined). */
  private async refind(sub: SubState): Promise<void> {
    const svc = await this.agg.inferior(sub.record.network).findService({ handle: sub.record.handle });
    if (!svc) {
      sub.status = 'MISSING';
      return;
    }
    if (!this.tearingDown && (await svc.describe()).request === null) {
      // created but never defined (a crash between the two, or an inferior that lost it): step() defines it
      sub.status = 'MISSING';
      return;
    }
    sub.service = svc;
    sub.record.id = svc.id;
    this.attach(sub);
  }

  /** Follows a sub-service's status for as long as it lives. */
  attach(sub: SubState): void {
    this.agg.followAvailability(sub.record.network);
    const svc = sub.service;
    if (!svc || sub.watch) return;
    if (isListenable(svc)) {
      const follower = new SubFollower(this, sub, svc);
      sub.watch = follower;
      svc.listen(follower);
      return;
    }
    const w = svc.watch();
    sub.watch = w;
    void (async () => {
      try {
        for await (const ev of w) this.onSubEvent(sub, ev);
      } catch (e) {
        this.agg.logger.warn('sub-service watch ended with an error', {
          network: this.network,
          service: this.id,
          inferior: sub.record.network,
          error: toBrokerError(e).message,
        });
      } finally {
        if (sub.watch === w) sub.watch = undefined;
      }
    })();
  }

  /** A sub-service's status event (from its watch or listener). */
  onSubEvent(sub: SubState, ev: ServiceEvent): void {
    if (this.closed) return;
    sub.status = ev.status;
    if (!this.tearingDown && this.subs.includes(sub)) {
      if (ev.status === 'FAILED') this.fail(sub, ev.errors ?? []);
      else if (ev.status === 'RELEASED' && sub.asked !== 'release') {
        this.fail(sub, [
          errorRecord(
            errors.unavailable(`sub-service ${sub.record.handle} of ${sub.record.network} was released by someone else`, {
              inferior: sub.record.network,
              handle: sub.record.handle,
            }),
            this.agg.now(),
          ),
        ]);
      }
    }
    this.publish();
    this.schedule();
  }

  private fail(sub: SubState, causes: ErrorRecord[]): void {
    const first = causes[0];
    this.record.errors.push({
      code: first?.code ?? 'UNAVAILABLE',
      message: `sub-service ${sub.record.handle} of ${sub.record.network} failed${first ? `: ${first.message}` : ''}`,
      details: { ...(first?.details ?? {}), inferior: sub.record.network, handle: sub.record.handle, service: sub.service?.id ?? sub.record.id ?? undefined },
      at: this.agg.now(),
    });
  }

  /** Runs `step()` soon, once, under the service's mutex. */
  schedule(): void {
    if (this.stepQueued || this.closed || this.released) return;
    this.stepQueued = true;
    void this.mutex
      .run(async () => {
        this.stepQueued = false;
        await this.step();
      })
      .catch((e) => {
        this.agg.logger.error('service step failed', { network: this.network, service: this.id, error: toBrokerError(e).message });
        this.retryLater();
      });
  }

  private retryLater(): void {
    if (this.retryTimer || this.closed || this.released) return;
    const delay = RETRY_MS[Math.min(this.retries, RETRY_MS.length - 1)] as number;
    this.retries++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      for (const s of this.subs) if (s.asked !== 'release') s.asked = undefined;
      this.schedule();
    }, delay);
    this.retryTimer.unref?.();
  }

  /**
   * One convergence step (under the mutex): tear down when releasing,
   * resetting or failed; otherwise bring sub-services to the intent.
   */
  async step(): Promise<void> {
    if (this.released || this.closed || this.establishing) {
      this.publish();
      return;
    }
    const r = this.record;
    if (this.tearingDown) {
      await this.teardown();
      return;
    }
    if (!r.request) {
      this.publish();
      return;
    }
    let trouble = false;
    // follow again sub-services nobody follows (their inferior came back, or their watch broke)
    for (const sub of this.subs) {
      if (sub.watch || sub.status === 'MISSING' || sub.status === 'RELEASED') continue;
      try {
        await this.refind(sub);
      } catch (e) {
        const b = toBrokerError(e);
        if (b.code === 'UNAVAILABLE' || b.code === 'TIMEOUT') trouble = true;
        else throw e;
      }
    }
    // re-create sub-services the inferiors have lost (e.g. a crash between persisting and creating)
    for (const sub of this.subs) {
      if (sub.status !== 'MISSING') continue;
      try {
        sub.status = 'UNKNOWN';
        await this.createSub(sub);
      } catch (e) {
        sub.status = 'MISSING';
        const b = toBrokerError(e);
        if (b.code === 'UNAVAILABLE' || b.code === 'TIMEOUT') trouble = true;
        else this.fail(sub, [errorRecord(b, this.agg.now())]);
      }
    }
    if (this.tearingDown) {
      await this.agg.persist(this);
      await this.teardown();
      return;
    }
    await Promise.all(
      this.subs.map(async (sub) => {
        const svc = sub.service;
        if (!svc || NOT_READY.has(sub.status) || sub.status === 'FAILED' || sub.status === 'RELEASED') return;
        try {
          if (r.intent === 'ACTIVE' && sub.asked !== 'active') {
            sub.asked = 'active';
            await svc.activate();
          } else if (
            r.intent === 'INACTIVE' &&
            (sub.asked === 'active' || (sub.asked === undefined && MOVING.has(sub.status)))
          ) {
            sub.asked = 'inactive';
            await svc.deactivate();
          }
        } catch (e) {
          sub.asked = undefined;
          const b = toBrokerError(e);
          if (b.code === 'UNAVAILABLE' || b.code === 'TIMEOUT') trouble = true;
          // anything else shows up as the sub-service's own status
        }
      }),
    );
    if (trouble) this.retryLater();
    else this.retries = 0;
    this.publish();
  }

  /** Releases every sub-service; once all are gone, gives the tunnels back and settles. */
  private async teardown(): Promise<void> {
    const r = this.record;
    let pending = false;
    let trouble = false;
    await Promise.all(
      this.subs.map(async (sub) => {
        if (sub.status === 'RELEASED' || sub.status === 'MISSING') return;
        pending = true;
        if (sub.asked === 'release') return;
        try {
          const svc = sub.service ?? (await this.agg.inferior(sub.record.network).findService({ handle: sub.record.handle }));
          if (!svc) {
            sub.status = 'MISSING';
            return;
          }
          sub.service = svc;
          this.attach(sub);
          sub.asked = 'release';
          await svc.release();
        } catch (e) {
          sub.asked = undefined;
          trouble = true;
          this.agg.logger.warn('could not release a sub-service; will retry', {
            network: this.network,
            service: this.id,
            inferior: sub.record.network,
            error: toBrokerError(e).message,
          });
        }
      }),
    );
    if (trouble) this.retryLater();
    if (pending && !this.subs.every((s) => s.status === 'RELEASED' || s.status === 'MISSING')) {
      this.publish();
      return;
    }
    // every sub-service is gone: give back labels and bandwidth, then settle
    for (const s of this.subs) s.watch?.close();
    this.subs = [];
    this.agg.freeTunnels(this);
    r.tunnels = [];
    r.subservices = [];
    if (r.intent === 'RELEASE') {
      await this.agg.removeService(this);
      this.released = true;
      this.publish();
      this.dispose();
    } else if (r.intent === 'RESET') {
      r.request = null;
      r.errors = [];
      r.intent = 'INACTIVE';
      await this.agg.persist(this);
      this.publish();
    } else {
      // failed: keep the request and the errors for inspection, hold nothing
      await this.agg.persist(this);
      this.publish();
    }
    this.agg.modelChanged();
  }

  /** Undoes a define whose sub-services could not all be set up. */
  private async rollBackDefine(): Promise<void> {
    const created = this.subs;
    this.subs = [];
    this.establishing = false;
    this.agg.freeTunnels(this);
    const r = this.record;
    r.request = null;
    r.tunnels = [];
    r.subservices = [];
    await this.agg.persist(this).catch((e) => {
      this.agg.logger.error('could not persist a rolled-back define', { network: this.network, service: this.id, error: toBrokerError(e).message });
    });
    for (const sub of created) {
      sub.watch?.close();
      if (sub.service) this.agg.releaseOrphan(sub.record.network, sub.record.handle);
    }
    this.publish();
    this.agg.modelChanged();
  }

  /** Recovery: find each sub-service by handle and follow it again. */
  async recover(): Promise<void> {
    await Promise.all(
      this.subs.map(async (sub) => {
        try {
          await this.refind(sub);
        } catch {
          sub.status = 'UNKNOWN';
          this.retryLater();
        }
      }),
    );
    this.publish();
    this.schedule();
  }

  /** Stops following sub-services and ends watches (the network is closing). */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const s of this.subs) s.watch?.close();
    this.hub.dispose();
  }

  private dispose(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.hub.dispose();
  }
}

function newSub(record: SubserviceRecord): SubState {
  return { record, service: undefined, status: 'UNKNOWN', watch: undefined, asked: undefined };
}
