/** The part of noVNC's RFB class (core/rfb.js; the package ships no types) that the page uses. */
declare module '@novnc/novnc' {
  export default class RFB extends EventTarget {
    constructor(target: HTMLElement, urlOrChannel: string | WebSocket, options?: { wsProtocols?: string[] });
    scaleViewport: boolean;
    disconnect(): void;
  }
}
