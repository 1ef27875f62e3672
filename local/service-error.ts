/**
 * An error as an AWS service sends it: a name clients switch on (`ExecutionAlreadyExists`), a message,
 * and the HTTP status it travels with (400 for client faults, 5xx for the service's own).
 */
export class ServiceError extends Error {
  constructor(
    public readonly code: string,
    message: string,
    public readonly httpStatus: number = 400,
  ) {
    super(message);
    this.name = code;
  }
}
