# Shared form labels and buttons of the people and admin pages
field-username = User name
field-name = Full name
field-email = Email
field-job-title = Job title
field-locale = Language
field-current-password = Current password
field-new-password = New password
field-password-confirm = Repeat the password
field-group-name = Group name
action-save = Save
action-create = Create
action-add = Add
action-rename = Rename
action-remove = Remove
action-delete = Delete
password-rules = 10 to 128 characters, without your user name or email address, and not a common password. Any characters, spaces included.
pager-nav = Pages
pager-prev = Previous
people-pager-next = Next
people-pager-position = Page { $page } of { $pages }
role-admin = admin
role-super-user = super user

# Validation
error-password-common = This password is one of the most common passwords. Please choose another.
error-password-mismatch = The two passwords are different.
error-current-password = The current password is not correct.
error-job-title-length = The job title must be at most 64 characters long.
error-locale-invalid = Please choose a language from the list.
error-username-taken = This user name is already taken.
error-email-taken = This email address is already used by another account.
error-avatar-type = The avatar must be a PNG, JPEG, GIF or WebP image.
error-avatar-size = The avatar must be at most 1 MiB.

# Directory and profiles
users-title = Users
users-search = Search by name or user name
users-search-submit = Search
users-none = Nobody matches.
users-posts = Posts: { $count }
users-assigned = Assigned tickets: { $count }
users-posts-label = Tickets and replies
users-assigned-label = Assigned tickets
users-joined = Joined
users-roles = Roles
users-state = State
users-enabled = active
users-disabled = disabled
users-avatar-of = Avatar of { $name }
users-edit-in-admin = Edit this account in the admin area

# Own account
account-title = My account
account-signed-in-as = Signed in as { $username }
account-view-profile = View my profile
account-profile = Profile
account-digest-opt-out = Do not send me the digest of outstanding tickets
account-current-password-email = Current password (needed only to change the email address)
account-saved = Your account was saved.
account-password = Password
account-password-change = Change the password
account-password-sessions = Changing it signs you out everywhere else.
account-password-changed = Your password was changed. Every other session was signed out.
account-avatar = Avatar
account-avatar-current = Your current avatar
account-avatar-file = Image file
account-avatar-help = PNG, JPEG, GIF or WebP, at most 1 MiB.
account-avatar-upload = Upload
account-avatar-remove = Remove the avatar
account-avatar-saved = Your avatar was saved.
account-avatar-removed = Your avatar was removed.

# Password reset
login-forgot = Forgot your password?
reset-title = Reset your password
reset-intro = Enter the email address of your account. If it belongs to an account, we will email it a link to choose a new password.
reset-send = Send the link
reset-sent = If an account uses this address, a link to choose a new password has been sent to it. The link works once, for 30 minutes.
reset-back-to-login = Back to sign-in
reset-new-title = Choose a new password
reset-sessions = Saving it signs you out everywhere.
reset-save = Save the new password
reset-invalid = This link cannot be used: it is wrong, was already used, was replaced by a newer one, or has expired.
reset-ask-again = Ask for a new link
reset-done = Your password was changed. Please sign in with it.

# Departments and categories
departments-title = Departments
departments-intro = Tickets are filed under a department and one of its categories. If you need a new department or category, please ask an administrator or a super user.
departments-manage-intro = Tickets are filed under a department and one of its categories. You can add, rename and delete them; anything still used by a ticket cannot be deleted.
departments-none = There are no departments yet.
departments-no-categories = No categories.
departments-new = New department
departments-name = Department name
departments-back = All departments
departments-categories = Categories
departments-category = Category
departments-category-new = New category
departments-category-delete = Delete the category { $name }
departments-delete = Delete the department
departments-tickets = Tickets in this department: { $count }
departments-created = The department was created.
departments-saved = Saved.
departments-deleted = The department was deleted.
departments-deleted-category = The category was deleted.
error-department-name-length = A department name must be 2 to 60 characters long.
error-category-name-length = A category name must be 2 to 60 characters long.
error-department-taken = A department with this name exists already.
error-category-taken = This department already has a category with this name.
error-department-in-use = This department cannot be deleted: tickets use its categories ({ $count }). Move or delete them first.
error-category-in-use = This category cannot be deleted: tickets use it ({ $count }). Move or delete them first.
