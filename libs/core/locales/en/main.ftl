# Page chrome
page-title = { $title }
app-tagline = a simple ticket system
nav-home = Home
nav-my-tickets = My tickets
nav-my-created = Created
nav-my-assigned = Assigned
nav-my-subscribed = Subscribed
nav-tickets = Tickets
nav-create-ticket = Create ticket
nav-departments = Departments
nav-users = Users
nav-admin = Admin
nav-account = My account
nav-logout = Sign out
nav-login = Sign in
nav-main = Main navigation
nav-skip = Skip to content
language-label = Language
language-switch = Change
footer-text = Flicket { $version }

# Sign-in
login-title = Sign in
login-username = User name or email
login-password = Password
login-submit = Sign in
login-failed = Invalid user name, email or password.
login-rate-limited = Too many sign-in attempts. Please wait a few minutes and try again.
login-success = You are signed in.
logout-success = You are signed out.
login-required = Please sign in to see this page.

# Dashboard
dashboard-title = Dashboard
dashboard-welcome = Welcome, { $name }.
dashboard-empty = Nothing to show yet: no tickets have been raised.

# Errors
error-403-title = Forbidden
error-403-text = You are not allowed to do this.
error-404-title = Page not found
error-404-text = The page you asked for does not exist.
error-500-title = Something went wrong
error-500-text = An unexpected error happened. It has been logged; please try again, and report the time and what you did if it persists.
error-503-title = Service unavailable
error-503-text = The database cannot be reached right now. Please try again in a moment.
error-csrf = Your form has expired. Please reload the page and try again.
error-400-title = Bad request
error-413-title = Too large
error-429-title = Too many attempts
error-back-home = Back to the dashboard
error-control-characters = Control characters are not allowed.
error-username-length = The user name must be 3 to 32 characters long.
error-username-characters = The user name may contain letters, digits, dots, dashes and underscores only.
error-email-invalid = Please enter a valid email address.
error-name-length = The name must be 1 to 60 characters long.
error-title-length = The title must be 3 to 128 characters long.
error-password-length = The password must be 10 to 128 characters long.
error-password-contains-identity = The password must not contain your user name or email address.
error-base-url = The base URL must start with http:// or https://.

api-error-body-too-large = The request body is too large: the limit is { $value }.
api-error-unreadable-body = The request body could not be read.
api-error-status-change = This status is set with a reply, or with claim, release, close or reopen.
api-error-no-files = No file was sent: send multipart/form-data with one or more "files" parts.
api-error-unknown-reply = This ticket has no such reply.
api-error-unknown-group = There is no such group.

# flicket-web setup (printed on the terminal)
setup-error-invalid = Set-up refused { $field }: { $reason }
setup-error-taken = A user named { $name } or with that email address already exists and is not an administrator.
setup-field-admin-username = the administrator's user name
setup-field-admin-email = the administrator's email address
setup-field-admin-password = the administrator's password
setup-field-admin-name = the administrator's name
setup-field-base-url = the base URL
